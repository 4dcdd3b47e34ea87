import NIOCore
import NIOHTTP1

/// One POST, built once and written as often as needed.
struct Request: Sendable {
    let address: SocketAddress
    let head: HTTPRequestHead
    let body: ByteBuffer

    init(host: String, port: Int, path: String, body: String) {
        // Target.validate admits only IP literals, so this cannot fail.
        address = try! SocketAddress(ipAddress: host, port: port)
        var headers = HTTPHeaders()
        headers.add(name: "host", value: "\(host):\(port)")
        headers.add(name: "content-type", value: "application/json")
        headers.add(name: "authorization", value: "Bearer decoy-load")
        headers.add(name: "content-length", value: String(body.utf8.count))
        head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
        self.body = ByteBuffer(string: body)
    }
}

extension ChannelInboundHandler where OutboundOut == HTTPClientRequestPart {
    /// Writes and flushes `request` on the connection.
    func send(_ request: Request, on context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(request.body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// Monotonic time in nanoseconds.
func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
