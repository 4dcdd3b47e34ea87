import DecoyProviders
import NIOCore

/// One per connection: reads requests off the socket (`HTTP1Parser`), lets the `ConnectionStateMachine`
/// decide what each event means, has the `Dispatcher` turn each request into a script, and hands the
/// script to the `Responder`, which writes it through the connection's `HTTP1ResponseWriter`.
///
/// One request is answered at a time: bytes a client pipelines behind it wait in `inbound` until the
/// answer in progress is written, and reads stop while more than `pipelineLimit` bytes wait.
final class ConnectionHandler: ChannelInboundHandler, RemovableChannelHandler, Responder.Owner {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let shared: ServerContext
    private var parser: HTTP1Parser
    private var state: ConnectionStateMachine
    private var dispatcher: Dispatcher
    private let writer = HTTP1ResponseWriter()
    /// Made when the handler joins its channel's pipeline (it needs the loop).
    private var responder: Responder!
    /// Bytes read and not parsed yet: the rest of a request, or the requests pipelined behind the one
    /// being answered.
    private var inbound: ByteBuffer?
    /// Inside `process`: an answer finished there must not start processing again (recursion).
    private var processing = false
    /// Reading is off (`autoRead` false) while too much waits in `inbound` behind an answer.
    private var readsPaused = false
    private var context: ChannelHandlerContext?

    /// How much a client may pipeline behind the request being answered before reads stop.
    static let pipelineLimit = 64 << 10

    /// The connection's guard, in front of this handler on the same loop.
    let timeouts: ConnectionGuard

    init(shared: ServerContext, timeouts: ConnectionGuard) {
        self.shared = shared
        self.timeouts = timeouts
        self.parser = HTTP1Parser(maxHeadBytes: shared.maxHeaderBytes)
        self.state = ConnectionStateMachine(maxBodyBytes: shared.maxBodyBytes)
        self.dispatcher = Dispatcher(shared: shared)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        writer.context = context
        responder = Responder(writer: writer, loop: context.eventLoop)
        responder.owner = self
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        responder.cancel()
        self.context = nil
        writer.context = nil
    }

    // MARK: - Reading

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state.acceptsBytes else { return }
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
    private func process(_ context: ChannelHandlerContext) {
        guard !processing else { return }
        processing = true
        defer { processing = false }
        if var buffer = inbound {
            inbound = nil  // keep the buffer uniquely referenced while the parser consumes it
            while state.isReading {
                let event: HTTP1Parser.Event?
                do {
                    event = try parser.next(&buffer)
                } catch {
                    buffer.clear()
                    refuseUnreadable(error)
                    break
                }
                guard let event else { break }
                handle(event, context)
            }
            if buffer.readableBytes > 0, state.acceptsBytes { inbound = buffer }
        }
        // Backpressure on a client that pipelines faster than it is answered. `autoRead` rather than
        // holding `read` events: the common path then has no outbound hop through this handler.
        let pause = responder.isBusy && (inbound?.readableBytes ?? 0) >= Self.pipelineLimit
        if pause != readsPaused, let options = context.channel.syncOptions {
            readsPaused = pause
            try? options.setOption(.autoRead, value: !pause)
        }
    }

    private func handle(_ event: HTTP1Parser.Event, _ context: ChannelHandlerContext) {
        switch event {
        case .head(let head):
            // Built where it stays: moving a request in and out costs a retain of each of its strings.
            switch state.receivedHead(PendingRequest(head: head, router: shared.router)) {
            case .readBody: break
            case .sendContinue: writer.informationalContinue()
            case .answerNow(let request): answer(request)
            }
        case .body(var part):
            state.receivedBody(&part)
        case .end:
            guard let request = state.receivedEnd() else { return }
            answer(request)
        }
    }

    /// A request read whole: to the admin API or through the dispatcher, then to the responder.
    private func answer(_ request: PendingRequest) {
        timeouts.requestRead()
        writer.prepare(minorVersion: request.head.minorVersion, omitBody: request.head.method == "HEAD")
        let arrival = NIODeadline.now().uptimeNanoseconds
        let keepAlive = state.answerKeepsAlive
        if request.admin, let context {
            let answer = AdminAPI(shared: shared).respond(
                to: request.head, path: request.path, query: request.query, body: request.body,
                tooLarge: request.tooLarge, remote: context.channel.remoteAddress, on: context.eventLoop)
            switch answer {
            case .now(let reply):
                responder.execute(Self.script(reply), keepAlive: keepAlive, arrivalNanos: arrival, timing: nil)
            case .later(let reply):
                responder.execute(later: reply.map(Self.script), keepAlive: keepAlive, arrivalNanos: arrival)
            }
            return
        }
        let loopNanos = Int64(context?.eventLoop.now.uptimeNanoseconds ?? arrival)
        let (script, timing) = dispatcher.dispatch(request, arrivalNanos: arrival, loopNanos: loopNanos)
        responder.execute(script, keepAlive: keepAlive, arrivalNanos: arrival, timing: timing)
    }

    /// An admin answer as a script (the ledger does not count admin requests).
    @Sendable private static func script(_ reply: Reply) -> ResponseScript {
        ResponseScript(reply, record: .init(.invalid, status: reply.status))
    }

    /// Bytes that are not an HTTP/1.x request: a 400, or a 431 for a head over the limit (in its
    /// provider's shape when the request line is known), then close.
    private func refuseUnreadable(_ failure: HTTP1Parser.Failure) {
        inbound = nil
        state.unreadable()
        writer.prepare(minorVersion: 1, omitBody: false)
        let arrival = NIODeadline.now().uptimeNanoseconds
        let refused: (method: String, target: String, limit: HeadRefusal)? =
            switch failure {
            case .headTooLarge(let method?, let target?): (method, target, .bytes)
            case .tooManyFields(let method, let target): (method, target, .fields)
            default: nil
            }
        if let refused {
            let head = HTTP1Head(method: refused.method, target: refused.target, minorVersion: 1, fields: HTTP1Fields(), keepAlive: false)
            var request = PendingRequest(head: head, router: shared.router)
            if !request.admin {
                request.headRefusal = refused.limit
                let (script, _) = dispatcher.dispatch(request, arrivalNanos: arrival, loopNanos: 0)
                return responder.execute(script, keepAlive: false, arrivalNanos: arrival, timing: nil)
            }
        }
        responder.execute(dispatcher.unreadable(failure), keepAlive: false, arrivalNanos: arrival, timing: nil)
    }

    // MARK: - Answers

    func answered(keepAlive: Bool) {
        timeouts.responseDone()
        switch state.answered(keepAlive: keepAlive) {
        case .readNext:
            writer.end(close: false)
            if let context { process(context) }
        case .close:
            writer.end(close: true)
        }
    }

    func answerBroke() {
        state.answerBroke()
        inbound = nil
    }

    // MARK: - The channel

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        responder.writabilityChanged()
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        responder.cancel()
        state.closed()
        inbound = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else { return context.fireUserInboundEventTriggered(event) }
        if state.quiesce(bytesWaiting: inbound != nil || !parser.isIdle) {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
