import DecoyEngine
import DecoyProfile
import DecoyProviders
import NIOCore

/// One per connection: reads requests off the socket (`HTTP1Parser`), runs each through Router →
/// Dialect → Engine, and hands the resulting plan to the `Responder` half (see
/// `ProviderHandler+Respond.swift`), which writes the answer as raw HTTP/1.1 bytes.
///
/// One request is answered at a time: bytes a client pipelines behind it wait in `inbound` until the
/// answer in progress is written, and reads stop while more than `pipelineLimit` bytes wait.
final class ProviderHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let shared: ServerContext
    private var parser: HTTP1Parser
    /// Bytes read and not parsed yet: the rest of a request, or the requests pipelined behind the one
    /// being answered.
    private var inbound: ByteBuffer?
    /// The request being read.
    var pending: PendingRequest?
    /// The answer being written: what is scheduled, what remains of a stream.
    var active: ActiveResponse?
    /// Nothing more is read: the connection closes once the answer in progress is out.
    var readingDone = false
    /// The server is stopping: the answer in progress is the connection's last.
    var quiescing = false
    /// Inside `process`: an answer finished there must not start processing again (recursion).
    private var processing = false
    /// Reading is off (`autoRead` false) while too much waits in `inbound` behind an answer.
    private var readsPaused = false
    /// The profile generation this connection last used; refreshed when a reload bumps the version.
    private var cached: ServerContext.Generation?

    /// How much a client may pipeline behind the request being answered before reads stop.
    static let pipelineLimit = 64 << 10

    /// The loop's flush batch, looked up on the first answer.
    private var batch: FlushBatch?

    /// The flush batch of this connection's loop.
    func flushBatch(_ context: ChannelHandlerContext) -> FlushBatch {
        if let batch { return batch }
        let made = FlushBatch.current(on: context.eventLoop)
        batch = made
        return made
    }

    /// The connection's guard, in front of this handler on the same loop.
    let timeouts: ConnectionGuard

    /// Where answers are written: the default allocator, as the channel's own is (Decoy configures no
    /// other); held here so an answer does not ask the channel for it.
    let allocator = ByteBufferAllocator()

    init(shared: ServerContext, timeouts: ConnectionGuard) {
        self.shared = shared
        self.timeouts = timeouts
        self.parser = HTTP1Parser(maxHeadBytes: shared.maxHeaderBytes)
    }

    struct PendingRequest {
        var head: HTTP1Head
        var path: Substring
        var query: Substring
        var outcome: Router.Outcome
        var body: ByteBuffer?
        var tooLarge = false
        /// The head is over the server's limit.
        var headTooLarge = false
        /// For `/_decoy/*` and `/metrics` rather than a provider.
        var admin = false

        init(head: HTTP1Head, router: Router) {
            self.head = head
            (path, query) = head.pathAndQuery
            outcome = router.route(method: head.method, path: path)
            admin = AdminAPI.owns(path)
        }
    }

    // MARK: - Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !readingDone else { return }
        var incoming = unwrapInboundIn(data)
        if var buffered = inbound {
            inbound = nil  // keep the buffer uniquely referenced while appending
            buffered.writeBuffer(&incoming)
            inbound = buffered
        } else {
            inbound = incoming
        }
        process(context)
    }

    /// Parses and answers what is buffered, one request at a time, until it needs more bytes or an
    /// answer has to wait.
    func process(_ context: ChannelHandlerContext) {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        if var buffer = inbound {
            inbound = nil  // keep the buffer uniquely referenced while the parser consumes it
            while active == nil, !readingDone {
                let event: HTTP1Parser.Event?
                do {
                    event = try parser.next(&buffer)
                } catch {
                    return refuseUnreadable(error, context)
                }
                guard let event else { break }
                handle(event, context)
            }
            if buffer.readableBytes > 0, !readingDone { inbound = buffer }
        }
        // Backpressure on a client that pipelines faster than it is answered. `autoRead` rather than
        // holding `read` events: the common path then has no outbound hop through this handler.
        let pause = active != nil && (inbound?.readableBytes ?? 0) >= Self.pipelineLimit
        if pause != readsPaused, let options = context.channel.syncOptions {
            readsPaused = pause
            try? options.setOption(.autoRead, value: !pause)
        }
    }

    private func handle(_ event: HTTP1Parser.Event, _ context: ChannelHandlerContext) {
        switch event {
        case .head(let head):
            // Built where it stays: moving a request in and out of `pending` costs a retain of each of
            // its strings.
            pending = PendingRequest(head: head, router: shared.router)
            if let length = head.contentLength, length > shared.maxBodyBytes { pending!.tooLarge = true }
            if head.expectsContinue, head.hasBody, head.minorVersion >= 1 {
                if pending!.tooLarge {
                    // Refused before the body is sent: the client may never send it, so this is the last answer.
                    pending!.head.keepAlive = false
                    readingDone = true
                    return answer(pending.take()!, context)
                }
                context.writeAndFlush(wrapOutboundOut(allocator.buffer(bytes: HTTP1Response.continueLine)), promise: nil)
            }
        case .body(var part):
            // In place: a copy of the request would copy its head and share the body being appended to.
            guard pending != nil, !pending!.tooLarge else { return }
            if (pending!.body?.readableBytes ?? 0) + part.readableBytes > shared.maxBodyBytes {
                pending!.tooLarge = true
                pending!.body = nil
            } else if pending!.body == nil {
                pending!.body = part
            } else {
                pending!.body!.writeBuffer(&part)
            }
        case .end:
            guard var request = pending.take() else { return }
            if quiescing { request.head.keepAlive = false }
            answer(request, context)
        }
    }

    /// A request read whole: to the admin API or through the engine.
    private func answer(_ request: PendingRequest, _ context: ChannelHandlerContext) {
        timeouts.requestRead()
        if request.admin {
            let answer = AdminAPI(shared: shared).respond(
                to: request.head, path: request.path, query: request.query, body: request.body,
                tooLarge: request.tooLarge, remote: context.channel.remoteAddress, on: context.eventLoop)
            switch answer {
            case .now(let reply):
                return start(Answer(reply: reply, request: request.head), context)
            case .later(let reply):
                // In progress until written: what the client pipelined behind it waits.
                active = ActiveResponse()
                let head = request.head
                reply.assumeIsolated().whenSuccess { reply in
                    guard context.channel.isActive, self.active != nil else { return }
                    self.start(Answer(reply: reply, request: head), context)
                }
                return
            }
        }
        dispatch(request, context: context)
    }

    /// Bytes that are not an HTTP/1.x request: a 400 (or a 431 for a head over the limit), then close.
    private func refuseUnreadable(_ failure: HTTP1Parser.Failure, _ context: ChannelHandlerContext) {
        readingDone = true
        inbound = nil
        pending = nil
        switch failure {
        case .headTooLarge(let method?, let target?):
            // The request line is known: answer in its provider's shape.
            let head = HTTP1Head(
                method: method, target: target, minorVersion: 1, fields: HTTP1Fields(), keepAlive: false)
            var request = PendingRequest(head: head, router: shared.router)
            request.headTooLarge = true
            if !request.admin { return dispatch(request, context: context) }
            fallthrough
        case .headTooLarge:
            let message = "Request header fields too large: the limit is \(shared.maxHeaderBytes) bytes."
            answerUnreadable(ProviderError(status: 431, message: message, type: "invalid_request_error"), context)
        case .malformed(let reason):
            let message = "Malformed HTTP request: \(reason)."
            answerUnreadable(ProviderError(status: 400, message: message, type: "invalid_request_error"), context)
        }
    }

    /// No provider to speak for it: OpenAI's envelope, HTTP/1.1, and the connection closes after it.
    private func answerUnreadable(_ error: ProviderError, _ context: ChannelHandlerContext) {
        let head = HTTP1Head(method: "", target: "", minorVersion: 1, fields: HTTP1Fields(), keepAlive: false)
        start(Answer(reply: Catalog.openAI.render(error), request: head), context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        active?.cancel()
        active = nil
        pending = nil
        inbound = nil
        readingDone = true
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else { return context.fireUserInboundEventTriggered(event) }
        quiescing = true
        if active == nil, pending == nil, parser.isIdle, inbound == nil {
            readingDone = true
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Routes, parses, plans and starts the answer.
    private func dispatch(_ request: PendingRequest, context: ChannelHandlerContext) {
        let method = request.head.method
        let headers = RequestHeaders(fields: request.head.fields)
        let found: EndpointPath
        let captures: [String: Substring]
        switch request.outcome {
        case .notFound(let dialect):
            return respondNow(dialect, .notFound(method: method, path: request.path), request, context)
        case .wrongMethod(let dialect, let allowed):
            return respondNow(
                dialect, .methodNotAllowed(method: method, path: request.path, allowed: allowed), request, context)
        case .found(let entry, let pathCaptures):
            found = entry
            captures = pathCaptures
        }
        let dialect = found.dialect
        if request.headTooLarge {
            var error = ProviderError(
                status: 431, message: "Request header fields too large: the limit is \(shared.maxHeaderBytes) bytes.",
                type: "invalid_request_error")
            error.headers = [("connection", "close")]
            var closing = request
            closing.head.keepAlive = false
            return refuse(dialect.render(error), endpoint: found.endpoint, closing, context)
        }
        if request.tooLarge {
            return respondNow(dialect, .bodyTooLarge(limit: shared.maxBodyBytes), request, context)
        }
        let head = RequestHead(
            method: method, path: request.path, query: request.query, endpoint: found.endpoint, captures: captures,
            apiKey: headers.apiKey)
        let body = request.body.map { Array($0.readableBytesView) } ?? []
        // Changed in place and from here on only borrowed: a copy of the request costs a retain of each
        // of its strings.
        var parsed: ParsedRequest
        do {
            parsed = try dialect.parse(head, body: body)
        } catch {
            return refuse(dialect.render(error), endpoint: found.endpoint, request, context)
        }
        do {
            parsed.sim.forced = try headers.forcedOutcome()
        } catch {
            let bad = ProviderError(status: 400, message: error.message, type: "invalid_request_error", param: "x-decoy-fault")
            return refuse(dialect.render(bad), endpoint: found.endpoint, request, context)
        }
        let generation = currentGeneration()
        let now = NIODeadline.now().uptimeNanoseconds
        // Buckets run on the loop's clock: the same reading as `now` on a real loop, simulated time in tests.
        let plan = generation.engine.plan(parsed.sim, headers: headers, nowNanos: Int64(context.eventLoop.now.uptimeNanoseconds))
        execute(plan, parsed: parsed, dialect: dialect, request: request.head, ledgers: generation.ledgers, nowNanos: now, context: context)
    }

    /// The generation in force, re-read only when a reload moved the version.
    private func currentGeneration() -> ServerContext.Generation {
        if let cached, cached.version == shared.currentVersion { return cached }
        let fresh = shared.generation
        cached = fresh
        return fresh
    }

    /// Answers at once a request that never reached the engine, and counts it as unrouted.
    private func refuse(_ reply: Reply, endpoint: Endpoint?, _ request: PendingRequest, _ context: ChannelHandlerContext) {
        shared.ledger.unrouted.record(
            .invalid, endpoint: endpoint, status: reply.status, nowNanos: NIODeadline.now().uptimeNanoseconds)
        start(Answer(reply: reply, request: request.head), context)
    }

    private func respondNow(
        _ dialect: any Dialect, _ stock: StockError, _ request: PendingRequest, _ context: ChannelHandlerContext
    ) {
        refuse(dialect.render(dialect.error(stock)), endpoint: nil, request, context)
    }
}
