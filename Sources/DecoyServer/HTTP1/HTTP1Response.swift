import NIOCore
import NIOHTTP1

/// Writes responses as HTTP/1.x bytes into a buffer the caller sizes: a head, then the body whole or
/// in chunks. An answer without pauses goes out as one buffer, one write.
enum HTTP1Response {
    /// How the body is delimited.
    enum Framing {
        case length(Int)
        case chunked
        /// Until the connection closes (a stream to an HTTP/1.0 client).
        case close
    }

    /// Status line, fields, framing and connection fields, and the empty line. `fields` may not set
    /// `content-length`, `transfer-encoding` or `connection`: those come from `framing` and `keepAlive`.
    static func writeHead(
        status: Int, minorVersion: Int, fields: [(String, String)], framing: Framing, keepAlive: Bool,
        into buffer: inout ByteBuffer
    ) {
        buffer.writeStaticString("HTTP/1.")
        buffer.writeInteger(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: minorVersion))
        if status == 200 {
            buffer.writeStaticString(" 200 OK\r\n")  // most answers: no lookup
        } else {
            buffer.writeBytes(statusLine(status))
        }
        for (name, value) in fields where !isFraming(name) {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        switch framing {
        case .length(let length):
            buffer.writeStaticString("content-length: ")
            writeDecimal(length, into: &buffer)
            buffer.writeStaticString("\r\n")
        case .chunked:
            buffer.writeStaticString("transfer-encoding: chunked\r\n")
        case .close:
            break
        }
        if !keepAlive {
            buffer.writeStaticString("connection: close\r\n")
        } else if minorVersion == 0 {
            buffer.writeStaticString("connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
    }

    /// One chunk of a chunked body (nothing for empty bytes: an empty chunk would end the body).
    static func writeChunk(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        guard !bytes.isEmpty else { return }
        buffer.writeString(String(bytes.count, radix: 16))
        buffer.writeStaticString("\r\n")
        buffer.writeBytes(bytes)
        buffer.writeStaticString("\r\n")
    }

    /// The end of a chunked body.
    static func writeLastChunk(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("0\r\n\r\n")
    }

    /// A bare `HTTP/1.1 100 Continue`.
    static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    // MARK: - Pieces

    /// ` 200 OK\r\n` and the like, made once per status.
    private static let statusLines: [[UInt8]] = (0..<600).map { code in
        Array(" \(code) \(HTTPResponseStatus(statusCode: code).reasonPhrase)\r\n".utf8)
    }

    private static func statusLine(_ status: Int) -> [UInt8] {
        statusLines.indices.contains(status) ? statusLines[status] : Array(" \(status) Unknown\r\n".utf8)
    }

    /// `content-length`, `connection` or `transfer-encoding`, in any case.
    static func isFraming(_ name: String) -> Bool {
        switch name.utf8.count {
        case 14: equalsIgnoringCase(name, "content-length")
        case 10: equalsIgnoringCase(name, "connection")
        case 17: equalsIgnoringCase(name, "transfer-encoding")
        default: false
        }
    }

    /// ASCII case-insensitive equality with a lowercase literal, without building a lowered copy.
    private static func equalsIgnoringCase(_ name: String, _ lowercase: StaticString) -> Bool {
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        return name.utf8.elementsEqual(expected) { byte, wanted in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == wanted
        }
    }

    /// A non-negative decimal, digit by digit: no `String` in between.
    private static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: any Int
        var remaining = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { out in
            repeat {
                out[23 - count] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0
        }
        withUnsafeBytes(of: &digits) { _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: $0[(24 - count)...])) }
    }
}
