import NIOCore

/// Closes connections that take too long to send a request (slowloris) or sit idle between requests.
///
/// Sits in front of `ConnectionHandler`, so it sees the first raw byte of each request; the handler,
/// made with it on the same loop, tells it directly when a request has been read whole and when its
/// response is done (no event through the pipeline per request). Per request it only notes the state,
/// without reading the clock: one check timer per connection, every quarter of the shorter timeout,
/// counts the checks a state has lasted and closes what has overstayed (so a timeout fires up to a
/// quarter late, never early).
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

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
    private let checkEvery: TimeAmount
    private(set) var state = State.idle
    /// Checks since the current state began: the first may come at once, so after `n` checks the
    /// state has lasted more than `n - 1` check intervals.
    private var checks = 0
    private var timer: Scheduled<Void>?

    init(requestTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.requestTimeout = requestTimeout
        self.idleTimeout = idleTimeout
        self.checkEvery = .nanoseconds(max(min(requestTimeout.nanoseconds, idleTimeout.nanoseconds) / 4, 1_000_000))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if state == .idle { enter(.reading) }
        context.fireChannelRead(data)
    }

    /// The handler read a whole request: no timeout while it is answered (latency and stalls are the
    /// profile's business).
    func requestRead() { enter(.busy) }

    /// The answer is written: the idle timeout runs.
    func responseDone() { enter(.idle) }

    private func enter(_ next: State) {
        state = next
        checks = 0
    }

    private func start(_ context: ChannelHandlerContext) {
        guard timer == nil else { return }
        checks = 0
        schedule(context)
    }

    private func schedule(_ context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: checkEvery) {
            self.check(context)
        }
    }

    private func check(_ context: ChannelHandlerContext) {
        let limit: TimeAmount? =
            switch state {
            case .idle: idleTimeout
            case .reading: requestTimeout
            case .busy: nil
            }
        checks += 1
        if let limit, checkEvery * (checks - 1) >= limit {
            timer = nil
            context.close(promise: nil)
        } else {
            schedule(context)
        }
    }
}
