import DecoyEngine
import DecoyProfile
import DecoyProviders
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The Responder half of the handler: executes a `Plan` on the channel — when to write what, and how
/// to break the connection. It does not know why.
extension ProviderHandler {
    /// A rendered reply and how to deliver it.
    struct Answer {
        var reply: Reply
        var keepAlive: Bool
        var version: HTTPVersion
        var lease: Lease? = nil
        var gaps = GapSampler()
        var fault: StreamFault? = nil
        /// Where to record the served latency, and when the request arrived; `nil` for answers not timed.
        var timing: Timing? = nil
    }

    /// A served request's ledger and arrival time, for its latency.
    struct Timing {
        let ledger: RouteLedger
        let startNanos: UInt64

        func record() {
            ledger.recordLatency(nanos: NIODeadline.now().uptimeNanoseconds &- startNanos)
        }
    }

    /// A planned misbehaviour partway through a body or stream.
    enum StreamFault {
        /// Close the connection after this many paced events (or half the body when not streaming).
        case cut(afterPaced: Int)
        /// Write the provider's in-band error frame after this many paced events, then end the stream.
        case error(afterPaced: Int, event: [UInt8])
    }

    /// What is in progress on the connection.
    struct ActiveResponse {
        var timer: Scheduled<Void>?
        var lease: Lease?
        var stream: (any ReplyStream)?
        var gaps = GapSampler()
        var pacedWritten = 0
        var fault: StreamFault?
        var keepAlive = true
        var timing: Timing?

        func cancel() {
            timer?.cancel()
            lease?.release()
        }
    }

    func execute(
        _ plan: Plan, parsed: ParsedRequest, dialect: any Dialect, keepAlive: Bool, version: HTTPVersion,
        ledgers: [RouteLedger], nowNanos: UInt64, context: ChannelHandlerContext
    ) {
        guard let lease = plan.schedule?.lease, lease.isWaiting else {
            return run(plan, parsed: parsed, dialect: dialect, keepAlive: keepAlive, version: version, ledgers: ledgers, nowNanos: nowNanos, context: context)
        }
        // Queued behind the route's concurrency cap: start once a slot is handed over, on this loop.
        // If the connection goes first, channelInactive releases the lease, which leaves the queue.
        active = ActiveResponse(lease: lease, keepAlive: keepAlive)
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        lease.whenGranted {
            loop.execute {
                let (handler, context) = bound.value
                guard handler.active?.lease === lease else { return }
                handler.run(
                    plan, parsed: parsed, dialect: dialect, keepAlive: keepAlive, version: version, ledgers: ledgers,
                    nowNanos: nowNanos, context: context)
            }
        }
    }

    private func run(
        _ plan: Plan, parsed: ParsedRequest, dialect: any Dialect, keepAlive: Bool, version: HTTPVersion,
        ledgers: [RouteLedger], nowNanos: UInt64, context: ChannelHandlerContext
    ) {
        let endpoint = parsed.sim.endpoint
        switch plan {
        case .reject(let rejection):
            ledgers[rejection.routeIndex].record(.refused, endpoint: endpoint, status: 429, nowNanos: nowNanos)
            start(Answer(reply: dialect.render(rejection, for: parsed), keepAlive: keepAlive, version: version), context)

        case .serve(var schedule):
            let ledger = ledgers[schedule.routeIndex]
            ledger.record(.admitted, endpoint: endpoint, status: 200, nowNanos: nowNanos)
            let reply = dialect.render(parsed, schedule: schedule)
            let delay = parsed.sim.stream ? schedule.firstByteNanos : schedule.nonStreamDelayNanos()
            var answer = Answer(reply: reply, keepAlive: keepAlive, version: version, lease: schedule.lease, gaps: schedule.gaps)
            answer.timing = Timing(ledger: ledger, startNanos: nowNanos)
            later(delay, answer, context)

        case .error(let status, let retryAfter, let schedule):
            ledgers[schedule.routeIndex].record(.errored, endpoint: endpoint, status: status, nowNanos: nowNanos)
            let reply = dialect.render(dialect.error(.injected(status: status, retryAfter: retryAfter)))
            later(schedule.firstByteNanos, Answer(reply: reply, keepAlive: keepAlive, version: version, lease: schedule.lease), context)

        case .fault(let fault, var schedule):
            let ledger = ledgers[schedule.routeIndex]
            switch fault {
            case .reset: ledger.record(.faulted, endpoint: endpoint, status: 0, special: .reset, nowNanos: nowNanos)
            case .stall: ledger.record(.faulted, endpoint: endpoint, status: 0, special: .stall, nowNanos: nowNanos)
            case .streamError where !parsed.sim.stream:
                ledger.record(.faulted, endpoint: endpoint, status: 500, nowNanos: nowNanos)
            default: ledger.record(.faulted, endpoint: endpoint, status: 200, nowNanos: nowNanos)
            }
            switch fault {
            case .reset:
                schedule.lease?.release()
                reset(context)
            case .stall:
                active = ActiveResponse(lease: schedule.lease)
            case .malformed:
                let delay = parsed.sim.stream ? schedule.firstByteNanos : schedule.nonStreamDelayNanos()
                let reply = dialect.renderMalformed(parsed)
                later(delay, Answer(reply: reply, keepAlive: keepAlive, version: version, lease: schedule.lease), context)
            case .truncate, .streamError:
                let reply: Reply
                var streamFault: StreamFault
                if parsed.sim.stream {
                    reply = dialect.render(parsed, schedule: schedule)
                    let half = Self.pacedCount(reply) / 2
                    streamFault = fault == .truncate ? .cut(afterPaced: half) : .error(afterPaced: half, event: dialect.streamErrorEvent(parsed))
                } else if fault == .truncate {
                    reply = dialect.render(parsed, schedule: schedule)
                    streamFault = .cut(afterPaced: 0)
                } else {
                    reply = dialect.render(dialect.error(.injected(status: 500, retryAfter: nil)))
                    later(schedule.firstByteNanos, Answer(reply: reply, keepAlive: keepAlive, version: version, lease: schedule.lease), context)
                    return
                }
                let delay = parsed.sim.stream ? schedule.firstByteNanos : schedule.nonStreamDelayNanos()
                let answer = Answer(reply: reply, keepAlive: keepAlive, version: version, lease: schedule.lease, gaps: schedule.gaps, fault: streamFault)
                later(delay, answer, context)
            }
        }
    }

    static func pacedCount(_ reply: Reply) -> Int {
        if case .stream(let stream) = reply.body { return stream.pacedEvents }
        return 0
    }

    /// Starts the answer after `nanos`, on this connection's event loop.
    private func later(_ nanos: Int64, _ answer: Answer, _ context: ChannelHandlerContext) {
        guard nanos > 0 else { return start(answer, context) }
        var response = ActiveResponse(lease: answer.lease, keepAlive: answer.keepAlive, timing: answer.timing)
        response.timer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanos)) {
            self.start(answer, context)
        }
        active = response
    }

    /// Writes the head, and the body or the start of the stream.
    func start(_ answer: Answer, _ context: ChannelHandlerContext) {
        var headers = HTTPHeaders(answer.reply.headers)
        if !answer.keepAlive {
            headers.replaceOrAdd(name: "connection", value: "close")
        } else if answer.version.minor == 0 {
            headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        let status = HTTPResponseStatus(statusCode: answer.reply.status)
        switch answer.reply.body {
        case .full(let bytes):
            headers.replaceOrAdd(name: "content-length", value: String(bytes.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: answer.version, status: status, headers: headers))), promise: nil)
            if case .cut = answer.fault {
                let half = context.channel.allocator.buffer(bytes: bytes.prefix(bytes.count / 2))
                context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(half))), promise: nil)
                active = nil
                answer.lease?.release()
                context.close(promise: nil)
                return
            }
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
            active = nil
            answer.timing?.record()
            finish(lease: answer.lease, keepAlive: answer.keepAlive, context)
        case .stream(let stream):
            headers.replaceOrAdd(name: "transfer-encoding", value: "chunked")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: answer.version, status: status, headers: headers))), promise: nil)
            active = ActiveResponse(
                lease: answer.lease, stream: stream, gaps: answer.gaps, fault: answer.fault, keepAlive: answer.keepAlive,
                timing: answer.timing)
            pump(context)
        }
    }

    /// Writes stream events until the next paced one, then waits its gap; ends the stream when done.
    private func pump(_ context: ChannelHandlerContext) {
        while var response = active, var stream = response.stream {
            switch response.fault {
            case .cut(let after) where response.pacedWritten >= after:
                context.flush()
                active = nil
                response.lease?.release()
                context.close(promise: nil)
                return
            case .error(let after, let event) where response.pacedWritten >= after:
                write(event, context)
                active = nil
                finish(lease: response.lease, keepAlive: response.keepAlive, context)
                return
            default:
                break
            }
            guard let event = stream.next() else {
                active = nil
                response.timing?.record()
                finish(lease: response.lease, keepAlive: response.keepAlive, context)
                return
            }
            response.stream = stream
            if event.paced {
                response.pacedWritten += 1
                let gap = response.gaps.nextNanos()
                if gap > 0 {
                    context.flush()
                    response.timer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(gap)) {
                        self.write(event.bytes, context)
                        self.pump(context)
                    }
                    active = response
                    return
                }
            }
            active = response
            write(event.bytes, context)
        }
    }

    private func write(_ bytes: [UInt8], _ context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
    }

    /// Ends the response, frees the lease, and closes when the client did not ask to keep the connection.
    private func finish(lease: Lease?, keepAlive: Bool, _ context: ChannelHandlerContext) {
        lease?.release()
        context.triggerUserOutboundEvent(ConnectionGuard.ResponseDone(), promise: nil)
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    /// A TCP reset: linger zero, then close, so the peer sees RST and no bytes.
    private func reset(_ context: ChannelHandlerContext) {
        active = nil
        guard let socket = context.channel as? SocketOptionProvider else { return context.close(promise: nil) }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
