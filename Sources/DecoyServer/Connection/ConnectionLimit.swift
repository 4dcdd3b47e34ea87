import NIOCore
import Synchronization

/// The cap on open connections: beyond it, a new connection gets a 503 and is closed at once.
final class ConnectionLimit: Sendable {
    let maximum: Int
    private let open = Atomic<Int>(0)

    init(maximum: Int) { self.maximum = max(1, maximum) }

    /// Takes a place if one is free.
    func tryAcquire() -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < maximum {
            let (done, seen) = open.compareExchange(expected: current, desired: current + 1, ordering: .relaxed)
            if done { return true }
            current = seen
        }
        return false
    }

    func release() { open.wrappingSubtract(1, ordering: .relaxed) }

    /// Channels open now, so a stop can close the ones a drain did not.
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Tracks `channel` until it closes (and frees its place then).
    func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in
            self.channels.withLock { _ = $0.removeValue(forKey: id) }
            self.release()
        }
    }

    /// Closes every channel still open and waits for them.
    func closeAll() async {
        let open = channels.withLock { Array($0.values) }
        for channel in open {
            try? await channel.close()
        }
    }

    /// Connections open now.
    var current: Int { open.load(ordering: .relaxed) }
}

/// Answers a connection over the limit with a 503 and closes it, without reading a request.
final class OverCapacityHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    static let body = #"{"error":{"message":"Too many open connections.","type":"server_error","param":null,"code":null}}"#
    static let response = Array(
        ("HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nconnection: close\r\nretry-after: 1\r\n"
            + "content-length: \(body.utf8.count)\r\n\r\n" + body).utf8)

    private var answered = false

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context)
    }

    private func answer(_ context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        let buffer = context.channel.allocator.buffer(bytes: Self.response)
        context.writeAndFlush(NIOAny(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
