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
        buffer.writeBytes(statusLine(status))
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
        writeHex(bytes.count, into: &buffer)
        buffer.writeStaticString("\r\n")
        buffer.writeBytes(bytes)
        buffer.writeStaticString("\r\n")
    }

    /// The end of a chunked body.
    static func writeLastChunk(into buffer: inout ByteBuffer) {
        buffer.writeStaticString("0\r\n\r\n")
    }

    /// An answer for a request that could not be read as HTTP; the connection closes after it.
    static func protocolError(status: Int, message: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        var body = #"{"error":{"message":"#
        body += jsonQuoted(message)
        body += #","type":"invalid_request_error","param":null,"code":null}}"#
        var buffer = allocator.buffer(capacity: 160 + body.utf8.count)
        writeHead(
            status: status, minorVersion: 1, fields: [("content-type", "application/json")],
            framing: .length(body.utf8.count), keepAlive: false, into: &buffer)
        buffer.writeString(body)
        return buffer
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

    private static func isFraming(_ name: String) -> Bool {
        switch name.utf8.first {
        case UInt8(ascii: "c"), UInt8(ascii: "C"), UInt8(ascii: "t"), UInt8(ascii: "T"):
            let lowered = name.lowercased()
            return lowered == "content-length" || lowered == "connection" || lowered == "transfer-encoding"
        default:
            return false
        }
    }

    private static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var rest = UInt(max(value, 0))
        var count = 0
        withUnsafeMutableBytes(of: &digits) { out in
            repeat {
                out[19 - count] = UInt8(ascii: "0") &+ UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: out[(20 - count)...]))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func writeHex(_ value: Int, into buffer: inout ByteBuffer) {
        let hex = hexDigits
        var shift = (Int.bitWidth - value.leadingZeroBitCount + 3) / 4 * 4 - 4
        if value == 0 { shift = 0 }
        while shift >= 0 {
            buffer.writeInteger(hex[(value >> shift) & 0xF])
            shift -= 4
        }
    }

    private static func jsonQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20:
                out += "\\u00" + String(decoding: [hexDigits[Int(scalar.value >> 4)], hexDigits[Int(scalar.value & 0xF)]], as: UTF8.self)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
