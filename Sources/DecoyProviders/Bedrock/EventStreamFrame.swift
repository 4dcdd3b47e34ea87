/// One message of AWS's binary event stream (`application/vnd.amazon.eventstream`), as Bedrock's
/// ConverseStream and InvokeModelWithResponseStream send it and botocore's `EventStreamBuffer` reads it:
///
///     [total length u32][headers length u32][prelude CRC u32]   the 12-byte prelude, big-endian
///     [headers][payload]
///     [message CRC u32]                                         CRC32 of everything before it
///
/// The prelude CRC covers the two lengths; the message CRC the whole prelude (its CRC included), the
/// headers and the payload. A header is `name length u8, name, type u8, value` (`Header.Value`).
/// Written in place: a stream's frame costs its one buffer.
public enum EventStreamFrame {
    /// 12 bytes of prelude and 4 of message CRC around the headers and payload.
    static let preludeLength = 12
    static let overhead = 16
    /// botocore refuses a message whose headers or payload are longer.
    static let maxHeadersLength = 128 * 1024
    static let maxPayloadLength = 24 * 1024 * 1024

    /// One header: a name of at most 255 UTF-8 bytes and a typed value.
    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: Value

        public init(_ name: String, _ value: Value) {
            self.name = name
            self.value = value
        }

        /// The value types and their type bytes, as botocore's `EventStreamHeaderParser` reads them.
        public enum Value: Sendable, Equatable {
            case bool(Bool)  // 0 true, 1 false: no value bytes
            case byte(Int8)  // 2
            case short(Int16)  // 3
            case integer(Int32)  // 4
            case long(Int64)  // 5
            case bytes([UInt8])  // 6: u16 length, then the bytes
            case string(String)  // 7: u16 length, then UTF-8
            case timestamp(Int64)  // 8: milliseconds since the epoch
            case uuid([UInt8])  // 9: 16 bytes
        }
    }

    /// The encoded header block of a list of headers. Names over 255 bytes, byte and string values over
    /// 65,535 and UUIDs of other than 16 bytes are programming errors.
    public static func encode(_ headers: [Header]) -> [UInt8] {
        var out: [UInt8] = []
        for header in headers {
            let name = Array(header.name.utf8)
            precondition(name.count <= 255, "event stream header name over 255 bytes")
            out.append(UInt8(name.count))
            out.append(contentsOf: name)
            switch header.value {
            case .bool(let flag): out.append(flag ? 0 : 1)
            case .byte(let v):
                out.append(2)
                out.append(UInt8(bitPattern: v))
            case .short(let v):
                out.append(3)
                appendBigEndian(UInt64(UInt16(bitPattern: v)), bytes: 2, to: &out)
            case .integer(let v):
                out.append(4)
                appendBigEndian(UInt64(UInt32(bitPattern: v)), bytes: 4, to: &out)
            case .long(let v):
                out.append(5)
                appendBigEndian(UInt64(bitPattern: v), bytes: 8, to: &out)
            case .bytes(let bytes):
                out.append(6)
                appendVariable(bytes, to: &out)
            case .string(let text):
                out.append(7)
                appendVariable(Array(text.utf8), to: &out)
            case .timestamp(let ms):
                out.append(8)
                appendBigEndian(UInt64(bitPattern: ms), bytes: 8, to: &out)
            case .uuid(let bytes):
                precondition(bytes.count == 16, "event stream UUID header of other than 16 bytes")
                out.append(9)
                out.append(contentsOf: bytes)
            }
        }
        return out
    }

    /// The three string headers of an event (`:event-type`, `:content-type`, `:message-type: event`), or
    /// of an exception (`:exception-type` and `:message-type: exception`), encoded once per name.
    public static func eventHeaders(_ eventType: String, contentType: String = "application/json") -> [UInt8] {
        encode([
            Header(":event-type", .string(eventType)), Header(":content-type", .string(contentType)),
            Header(":message-type", .string("event")),
        ])
    }

    public static func exceptionHeaders(_ exceptionType: String) -> [UInt8] {
        encode([
            Header(":exception-type", .string(exceptionType)), Header(":content-type", .string("application/json")),
            Header(":message-type", .string("exception")),
        ])
    }

    /// A whole message.
    public static func message(headers: [UInt8], payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(overhead + headers.count + payload.count)
        let start = begin(headers: headers, in: &out)
        out.append(contentsOf: payload)
        end(start, headersLength: headers.count, in: &out)
        return out
    }

    public static func message(headers: [Header], payload: [UInt8]) -> [UInt8] {
        message(headers: encode(headers), payload: payload)
    }

    /// Starts a message at the end of `out`: a prelude to be filled in and the encoded headers. The
    /// payload is appended next, then `end` closes the message. Returns where the message starts.
    static func begin(headers: [UInt8], in out: inout [UInt8]) -> Int {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: preludeLength))
        out.append(contentsOf: headers)
        return start
    }

    /// Fills in the prelude of the message begun at `start` and appends its CRC.
    static func end(_ start: Int, headersLength: Int, in out: inout [UInt8]) {
        let total = out.count - start + 4
        precondition(headersLength <= maxHeadersLength && total - overhead - headersLength <= maxPayloadLength)
        put(UInt32(total), at: start, in: &out)
        put(UInt32(headersLength), at: start + 4, in: &out)
        let preludeCRC = CRC32.checksum(out, start..<start + 8)
        put(preludeCRC, at: start + 8, in: &out)
        let messageCRC = CRC32.checksum(out, start + 8..<out.count, seed: preludeCRC)
        appendBigEndian(UInt64(messageCRC), bytes: 4, to: &out)
    }

    private static func put(_ value: UInt32, at index: Int, in out: inout [UInt8]) {
        out[index] = UInt8(truncatingIfNeeded: value >> 24)
        out[index + 1] = UInt8(truncatingIfNeeded: value >> 16)
        out[index + 2] = UInt8(truncatingIfNeeded: value >> 8)
        out[index + 3] = UInt8(truncatingIfNeeded: value)
    }

    private static func appendBigEndian(_ value: UInt64, bytes: Int, to out: inout [UInt8]) {
        for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func appendVariable(_ bytes: [UInt8], to out: inout [UInt8]) {
        precondition(bytes.count <= 0xFFFF, "event stream header value over 65,535 bytes")
        appendBigEndian(UInt64(bytes.count), bytes: 2, to: &out)
        out.append(contentsOf: bytes)
    }
}
