import NIOCore

/// Closes connections that take too long to send a request (slowloris) or sit idle between requests.
///
/// Sits in front of the HTTP codec, so it sees the first raw byte of each request; the handler behind
/// the codec tells it, by outbound user events, when a request has been read whole and when its
/// response is done.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The handler behind the codec read a whole request.
    struct RequestRead {}
    /// The response to that request is written.
    struct ResponseDone {}

    enum State {
        /// Between requests: the idle timeout runs.
        case idle
        /// Bytes of a request have come, not all of it: the request timeout runs.
        case reading
        /// A request is being answered: no timeout (latency and stalls are the profile's business).
        case busy
    }

    private let requestTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private(set) var state = State.idle
    private var timer: Scheduled<Void>?

    init(requestTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(idleTimeout, context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(idleTimeout, context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if state == .idle {
            state = .reading
            arm(requestTimeout, context)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event {
        case is RequestRead:
            state = .busy
            timer?.cancel()
            timer = nil
            promise?.succeed(())
        case is ResponseDone:
            state = .idle
            arm(idleTimeout, context)
            promise?.succeed(())
        default:
            context.triggerUserOutboundEvent(event, promise: promise)
        }
    }

    private func arm(_ timeout: TimeAmount, _ context: ChannelHandlerContext) {
        timer?.cancel()
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            if self.state != .busy { context.close(promise: nil) }
        }
    }
}
