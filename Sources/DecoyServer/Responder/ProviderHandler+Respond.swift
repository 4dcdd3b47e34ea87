import DecoyEngine
import DecoyProfile
import DecoyProviders
import NIOCore
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
        var minorVersion: Int
        /// A HEAD request: the head says what the body would be, and no body follows.
        var omitBody = false
        var lease: Lease? = nil
        var gaps = GapSampler()
        var fault: StreamFault? = nil
        /// Where to record the served latency, and when the request arrived; `nil` for answers not timed.
        var timing: Timing? = nil

        init(reply: Reply, request: borrowing HTTP1Head, lease: Lease? = nil) {
            self.reply = reply
            self.keepAlive = request.keepAlive
            self.minorVersion = request.minorVersion
            self.omitBody = request.method == "HEAD"
            self.lease = lease
        }
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
        /// The stream's events go out as chunks (not to HTTP/1.0 clients, whose streams end with the connection).
        var chunked = true
        var timing: Timing?

        func cancel() {
            timer?.cancel()
            lease?.release()
        }
    }

    func execute(
        _ plan: Plan, parsed: ParsedRequest, dialect: any Dialect, request: HTTP1Head, ledgers: [RouteLedger],
        nowNanos: UInt64, context: ChannelHandlerContext
    ) {
        guard let lease = plan.lease, lease.isWaiting else {
            return run(plan, parsed: parsed, dialect: dialect, request: request, ledgers: ledgers, nowNanos: nowNanos, context: context)
        }
        wait(for: lease, plan, parsed: parsed, dialect: dialect, request: request, ledgers: ledgers, nowNanos: nowNanos, context: context)
    }

    /// Queued behind the route's concurrency cap: starts once a slot is handed over, on this loop. If
    /// the connection goes first, channelInactive releases the lease, which leaves the queue. (Apart
    /// from `execute` so that the common path builds no closure context.)
    @inline(never)
    private func wait(
        for lease: Lease, _ plan: Plan, parsed: ParsedRequest, dialect: any Dialect, request: HTTP1Head,
        ledgers: [RouteLedger], nowNanos: UInt64, context: ChannelHandlerContext
    ) {
        active = ActiveResponse(lease: lease, keepAlive: request.keepAlive)
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        lease.whenGranted {
            loop.execute {
                let (handler, context) = bound.value
                guard handler.active?.lease === lease else { return }
                handler.run(plan, parsed: parsed, dialect: dialect, request: request, ledgers: ledgers, nowNanos: nowNanos, context: context)
            }
        }
    }

    private func run(
        _ plan: Plan, parsed: ParsedRequest, dialect: any Dialect, request: HTTP1Head, ledgers: [RouteLedger],
        nowNanos: UInt64, context: ChannelHandlerContext
    ) {
        let endpoint = parsed.sim.endpoint
        switch plan {
        case .reject(let rejection):
            ledgers[rejection.routeIndex].record(.refused, endpoint: endpoint, status: 429, nowNanos: nowNanos)
            start(Answer(reply: dialect.render(rejection, for: parsed), request: request), context)

        case .serve(var schedule):
            let ledger = ledgers[schedule.routeIndex]
            ledger.record(.admitted, endpoint: endpoint, status: 200, nowNanos: nowNanos)
            let reply = dialect.render(parsed, schedule: schedule)
            let delay = parsed.sim.stream ? schedule.firstByteNanos : schedule.nonStreamDelayNanos()
            var answer = Answer(reply: reply, request: request, lease: schedule.lease)
            answer.gaps = schedule.gaps
            answer.timing = Timing(ledger: ledger, startNanos: nowNanos)
            later(delay, answer, context)

        case .error(let status, let retryAfter, let schedule):
            ledgers[schedule.routeIndex].record(.errored, endpoint: endpoint, status: status, nowNanos: nowNanos)
            let reply = dialect.render(dialect.error(.injected(status: status, retryAfter: retryAfter)))
            later(schedule.firstByteNanos, Answer(reply: reply, request: request, lease: schedule.lease), context)

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
                later(delay, Answer(reply: reply, request: request, lease: schedule.lease), context)
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
                    later(schedule.firstByteNanos, Answer(reply: reply, request: request, lease: schedule.lease), context)
                    return
                }
                let delay = parsed.sim.stream ? schedule.firstByteNanos : schedule.nonStreamDelayNanos()
                var answer = Answer(reply: reply, request: request, lease: schedule.lease)
                answer.gaps = schedule.gaps
                answer.fault = streamFault
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

    /// Writes the head with the whole body, or with the start of the stream.
    func start(_ answer: Answer, _ context: ChannelHandlerContext) {
        let reply = answer.reply
        let keepAlive = answer.keepAlive && !quiescing
        switch reply.body {
        case .full(let bytes):
            var out = allocator.buffer(capacity: Self.headCapacity(reply) + bytes.count)
            HTTP1Response.writeHead(
                status: reply.status, minorVersion: answer.minorVersion, fields: reply.headers,
                framing: .length(bytes.count), keepAlive: keepAlive, into: &out)
            if case .cut = answer.fault {
                out.writeBytes(bytes.prefix(bytes.count / 2))
                active = nil
                answer.lease?.release()
                return abort(after: out, context)
            }
            if !answer.omitBody { out.writeBytes(bytes) }
            active = nil
            answer.timing?.record()
            finish(out, lease: answer.lease, keepAlive: keepAlive, context)
        case .stream(let stream):
            let chunked = answer.minorVersion >= 1
            var out = allocator.buffer(capacity: Self.headCapacity(reply) + 512)
            HTTP1Response.writeHead(
                status: reply.status, minorVersion: answer.minorVersion, fields: reply.headers,
                framing: chunked ? .chunked : .close, keepAlive: keepAlive && chunked, into: &out)
            active = ActiveResponse(
                lease: answer.lease, stream: stream, gaps: answer.gaps, fault: answer.fault, keepAlive: keepAlive && chunked,
                chunked: chunked, timing: answer.timing)
            pump(out, context)
        }
    }

    /// Room for a reply's head: a guess that covers the providers' headers (the buffer grows if not).
    private static func headCapacity(_ reply: Reply) -> Int {
        128 + 96 * reply.headers.count
    }

    /// Adds stream events to `out` until the next paced one, writes them, and waits its gap; ends the
    /// stream when done.
    private func pump(_ out: ByteBuffer, _ context: ChannelHandlerContext) {
        var out = out
        while var response = active, var stream = response.stream {
            switch response.fault {
            case .cut(let after) where response.pacedWritten >= after:
                active = nil
                response.lease?.release()
                return abort(after: out, context)
            case .error(let after, let event) where response.pacedWritten >= after:
                frame(event, response, into: &out)
                active = nil
                return finish(out, lease: response.lease, keepAlive: response.keepAlive, chunked: response.chunked, context)
            default:
                break
            }
            guard let event = stream.next() else {
                active = nil
                response.timing?.record()
                return finish(out, lease: response.lease, keepAlive: response.keepAlive, chunked: response.chunked, context)
            }
            response.stream = stream
            if event.paced {
                response.pacedWritten += 1
                let gap = response.gaps.nextNanos()
                if gap > 0 {
                    if out.readableBytes > 0 {
                        context.write(wrapOutboundOut(out), promise: nil)
                        flushBatch(context).flushSoon(context)
                    }
                    response.timer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(gap)) {
                        guard let response = self.active else { return }
                        var next = self.allocator.buffer(capacity: event.bytes.count + 16)
                        self.frame(event.bytes, response, into: &next)
                        self.pump(next, context)
                    }
                    active = response
                    return
                }
            }
            active = response
            frame(event.bytes, response, into: &out)
        }
    }

    /// A stream event as it goes on the wire: a chunk, or raw bytes to an HTTP/1.0 client.
    private func frame(_ bytes: [UInt8], _ response: ActiveResponse, into out: inout ByteBuffer) {
        if response.chunked {
            HTTP1Response.writeChunk(bytes, into: &out)
        } else {
            out.writeBytes(bytes)
        }
    }

    /// Ends the answer, frees the lease, and either reads the next request or, when the connection
    /// is not kept, closes it once the bytes are out.
    private func finish(
        _ out: ByteBuffer, lease: Lease?, keepAlive: Bool, chunked: Bool = false, _ context: ChannelHandlerContext
    ) {
        var out = out
        if chunked { HTTP1Response.writeLastChunk(into: &out) }
        lease?.release()
        timeouts.responseDone()
        guard keepAlive, !quiescing else {
            readingDone = true
            context.writeAndFlush(wrapOutboundOut(out)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            return
        }
        context.write(wrapOutboundOut(out), promise: nil)
        flushBatch(context).flushSoon(context)
        process(context)
    }

    /// Writes what is ready and closes mid-answer: a cut body or stream.
    private func abort(after out: ByteBuffer, _ context: ChannelHandlerContext) {
        readingDone = true
        context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        context.close(promise: nil)
    }

    /// A TCP reset: linger zero, then close, so the peer sees RST and no bytes.
    private func reset(_ context: ChannelHandlerContext) {
        active = nil
        readingDone = true
        guard let socket = context.channel as? SocketOptionProvider else { return context.close(promise: nil) }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
