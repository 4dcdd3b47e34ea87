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
    ///
    /// Written through one unsafe view of the buffer, sized first: a `ByteBuffer` write per piece
    /// costs an exclusivity check each, a dozen an answer.
    ///
    /// `date` is the `date` field's value (`HTTPDate`), written first as origin servers do;
    /// `milliseconds`, a field whose value is a number known only now (`openai-processing-ms`).
    static func writeHead(
        status: Int, minorVersion: Int, fields: [(String, String)], framing: Framing, keepAlive: Bool,
        date: [UInt8] = [], milliseconds: (name: StaticString, value: Int)? = nil, into buffer: inout ByteBuffer
    ) {
        // `HTTP/1.x`, a status line (the longest reason is 31 bytes), `content-length: ` with up to
        // 20 digits or `transfer-encoding: chunked`, `connection: keep-alive`, line ends.
        var size = 8 + 48 + 38 + 24 + 2
        for (name, value) in fields { size += name.utf8.count + value.utf8.count + 4 }
        if !date.isEmpty { size += 8 + date.count }
        if let milliseconds { size += milliseconds.name.utf8CodeUnitCount + 4 + 20 }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { raw in
            var out = ByteWriter(raw)
            out.append("HTTP/1.")
            out.append(byte: UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: minorVersion))
            if status == 200 {
                out.append(" 200 OK\r\n")  // most answers: no lookup
            } else {
                out.append(bytes: statusLine(status))
            }
            if !date.isEmpty {
                out.append("date: ")
                out.append(bytes: date)
                out.append("\r\n")
            }
            for (name, value) in fields where !isFraming(name) {
                out.append(name)
                out.append(": ")
                out.append(value)
                out.append("\r\n")
            }
            if let milliseconds {
                out.append(milliseconds.name)
                out.append(": ")
                out.append(decimal: milliseconds.value)
                out.append("\r\n")
            }
            switch framing {
            case .length(let length):
                out.append("content-length: ")
                out.append(decimal: length)
                out.append("\r\n")
            case .chunked:
                out.append("transfer-encoding: chunked\r\n")
            case .close:
                break
            }
            if !keepAlive {
                out.append("connection: close\r\n")
            } else if minorVersion == 0 {
                out.append("connection: keep-alive\r\n")
            }
            out.append("\r\n")
            return out.count
        }
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
        let name = name.utf8
        return name.equalsLowercased("content-length") || name.equalsLowercased("connection")
            || name.equalsLowercased("transfer-encoding")
    }
}

/// Appends bytes to raw memory sized beforehand (`HTTP1Response.writeHead` counts what it writes).
private struct ByteWriter {
    private let base: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ base: UnsafeMutableRawBufferPointer) { self.base = base }

    mutating func append(byte: UInt8) {
        precondition(count < base.count, "the head was sized too small")
        base[count] = byte
        count += 1
    }

    mutating func append(_ text: StaticString) {
        append(bytes: UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func append(bytes: UnsafeRawBufferPointer) {
        precondition(count + bytes.count <= base.count, "the head was sized too small")
        UnsafeMutableRawBufferPointer(rebasing: base[count...]).copyMemory(from: bytes)
        count += bytes.count
    }

    mutating func append(bytes: [UInt8]) {
        bytes.withUnsafeBytes { append(bytes: $0) }
    }

    mutating func append(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            for byte in text.utf8 { append(byte: byte) }
        }
    }

    /// A non-negative decimal, digit by digit: no `String` in between.
    mutating func append(decimal value: Int) {
        var digits = 1
        var rest = value.magnitude
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        precondition(count + digits <= base.count, "the head was sized too small")
        rest = value.magnitude
        for i in stride(from: count + digits - 1, through: count, by: -1) {
            base[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        }
        count += digits
    }
}
