import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes the Responder's answers as HTTP/1.x bytes on one connection: a head with `content-length`
/// and the body, or a chunked stream (close-delimited to an HTTP/1.0 client); flushes batched per loop
/// pass (`FlushBatch`).
///
/// Made with its connection and used only on its loop.
final class HTTP1ResponseWriter: ResponseWriter {
    /// The handler's context, set while the handler is in the pipeline.
    var context: ChannelHandlerContext?
    /// Where answers are written: the default allocator, as the channel's own is (Decoy configures no
    /// other); held here so an answer does not ask the channel for it.
    private let allocator = ByteBufferAllocator()
    private var batch: FlushBatch?
    private var dates: HTTPDate?
    /// Bytes written and not yet handed to the channel.
    private var out: ByteBuffer?
    /// The request being answered: its minor version and whether it was a HEAD.
    private var minorVersion = 1
    private var omitBody = false
    /// The stream in progress goes out as chunks.
    private var chunked = false

    /// Says which request the next answer is for.
    func prepare(minorVersion: Int, omitBody: Bool) {
        self.minorVersion = minorVersion
        self.omitBody = omitBody
    }

    func head(_ head: ResponseHead, body: [UInt8]?) -> Bool {
        let dates = self.dates ?? HTTPDate.current
        self.dates = dates
        var buffer = allocator.buffer(capacity: 192 + 96 * head.headers.count + (body?.count ?? 512))
        guard let body else {
            chunked = minorVersion >= 1
            HTTP1Response.writeHead(
                status: head.status, minorVersion: minorVersion, fields: head.headers,
                framing: chunked ? .chunked : .close, keepAlive: head.keepAlive && chunked, date: dates.bytes,
                milliseconds: head.processingTime.map { ($0.name, $0.milliseconds) }, into: &buffer)
            out = buffer
            return head.keepAlive && chunked
        }
        chunked = false
        HTTP1Response.writeHead(
            status: head.status, minorVersion: minorVersion, fields: head.headers, framing: .length(body.count),
            keepAlive: head.keepAlive, date: dates.bytes, milliseconds: head.processingTime.map { ($0.name, $0.milliseconds) },
            into: &buffer)
        if !omitBody { buffer.writeBytes(body) }
        out = buffer
        return head.keepAlive
    }

    func partialBody(_ body: [UInt8], count: Int) {
        // `head(_:body:)` wrote the whole body after the head: keep only `count` bytes of it.
        guard var buffer = out else { return }
        out = nil
        if !omitBody { buffer.moveWriterIndex(to: buffer.writerIndex - body.count + min(count, body.count)) }
        out = buffer
    }

    func event(_ bytes: [UInt8]) {
        var buffer = out ?? allocator.buffer(capacity: bytes.count + 16)
        out = nil  // uniquely referenced while appending
        if chunked {
            HTTP1Response.writeChunk(bytes, into: &buffer)
        } else {
            buffer.writeBytes(bytes)
        }
        out = buffer
    }

    func send() {
        guard let context, let buffer = out, buffer.readableBytes > 0 else { return }
        out = nil
        context.write(NIOAny(buffer), promise: nil)
        flushBatch(context).flushSoon(context)
    }

    var pendingBytes: Int { out?.readableBytes ?? 0 }

    var isWritable: Bool { context?.channel.isWritable ?? false }

    func end(close: Bool) {
        if chunked {
            var buffer = out ?? allocator.buffer(capacity: 5)
            out = nil
            HTTP1Response.writeLastChunk(into: &buffer)
            out = buffer
            chunked = false
        }
        guard close else { return send() }
        guard let context else { return }
        let buffer = out ?? allocator.buffer(capacity: 0)
        out = nil
        context.writeAndFlush(NIOAny(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    func abort() {
        guard let context else { return }
        chunked = false
        if let buffer = out {
            out = nil
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        }
        context.close(promise: nil)
    }

    func reset() {
        out = nil
        guard let context else { return }
        guard let socket = context.channel as? SocketOptionProvider else { return context.close(promise: nil) }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// A bare `HTTP/1.1 100 Continue`, at once.
    func informationalContinue() {
        guard let context else { return }
        context.writeAndFlush(NIOAny(allocator.buffer(bytes: HTTP1Response.continueLine)), promise: nil)
    }

    /// The flush batch of this connection's loop.
    private func flushBatch(_ context: ChannelHandlerContext) -> FlushBatch {
        if let batch { return batch }
        let made = FlushBatch.current(on: context.eventLoop)
        batch = made
        return made
    }
}
