import DecoyProviders
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads HTTP/1.x requests from a connection's bytes: a head, its body in slices, its end, then the
/// next request.
///
/// Incremental: `next(_:)` consumes what it can of the buffer and returns an event, or `nil` when it
/// needs more bytes. A trickled head is searched for its end once per byte, not once per arrival.
/// Strict where leniency lets requests be smuggled or misread, as llhttp's strict mode or nginx is
/// (bare CR, folded lines, a malformed or repeated content-length or transfer-encoding, both framing
/// headers, anything but hex digits and well-formed extensions on a chunk's size line, malformed
/// trailers, more than `maxFields` fields), lenient where clients differ harmlessly (LF line ends,
/// empty lines before a request, HTTP/1.2 to 1.9 read as 1.1).
struct HTTP1Parser {
    enum Event {
        case head(HTTP1Head)
        /// A slice of the body; bodies arrive in as many slices as reads.
        case body(ByteBuffer)
        case end
    }

    enum Failure: Error, Equatable {
        /// Not an HTTP/1.x request; the reason is for the 400's message.
        case malformed(String)
        /// The head passed the limit before it ended. The request line, when it had been read whole,
        /// lets the 431 come in the provider's shape.
        case headTooLarge(method: String?, target: String?)
        /// The head had more than `maxFields` fields (a 431 too, in the provider's shape).
        case tooManyFields(method: String, target: String)
    }

    private enum State {
        case head
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(seen: Int, fields: Int)
        case complete
    }

    /// The most header fields a head may carry, and trailer fields a chunked body: as Apache's
    /// `LimitRequestFields` and Tomcat's `maxHeaderCount` (llhttp and nginx count none; NIO allows 65,534).
    /// An API client sends a dozen; a hundred small fields is a flood, cheap to send and costly to index.
    static let maxFields = 100

    let maxHeadBytes: Int
    private var state = State.head
    /// How much of the buffered head has been searched for its end.
    private var scanned = 0

    init(maxHeadBytes: Int) {
        self.maxHeadBytes = maxHeadBytes
    }

    /// Between requests: nothing of the next one has been consumed.
    var isIdle: Bool {
        if case .head = state { return scanned == 0 }
        return false
    }

    mutating func next(_ buffer: inout ByteBuffer) throws(Failure) -> Event? {
        while true {
            switch state {
            case .head:
                guard let head = try readHead(&buffer) else { return nil }
                if head.chunked {
                    state = .chunkSize
                } else if let length = head.contentLength, length > 0 {
                    state = .body(remaining: length)
                } else {
                    state = .complete
                }
                return .head(head)

            case .body(let remaining):
                guard let (slice, left) = Self.take(remaining, from: &buffer) else { return nil }
                state = left == 0 ? .complete : .body(remaining: left)
                return .body(slice)

            case .chunkSize:
                guard let line = try readLine(&buffer, limit: 1024, what: "chunk size line") else { return nil }
                let size = try Self.chunkSize(line)
                state = size == 0 ? .trailers(seen: 0, fields: 0) : .chunkData(remaining: size)

            case .chunkData(let remaining):
                guard let (slice, left) = Self.take(remaining, from: &buffer) else { return nil }
                state = left == 0 ? .chunkDataEnd : .chunkData(remaining: left)
                return .body(slice)

            case .chunkDataEnd:
                guard let line = try readLine(&buffer, limit: 2, what: "chunk end") else { return nil }
                guard line.isEmpty else { throw .malformed("chunk data longer than its size") }
                state = .chunkSize

            case .trailers(let seen, let fields):
                guard let line = try readLine(&buffer, limit: maxHeadBytes - seen, what: "trailer section") else { return nil }
                if line.isEmpty {
                    state = .complete
                } else {
                    // A trailer field is a header field (RFC 9112 §7.1.2), checked as one and then dropped.
                    guard fields < Self.maxFields else { throw .malformed("more than \(Self.maxFields) trailer fields") }
                    let checked = line.withUnsafeBytes { bytes in Result { () throws(Failure) in _ = try Self.field(bytes) } }
                    try checked.get()
                    state = .trailers(seen: seen + line.count + 2, fields: fields + 1)
                }

            case .complete:
                state = .head
                return .end
            }
        }
    }

    /// Up to `remaining` body bytes that have arrived, as a slice sharing the buffer's storage, and
    /// how many are still to come; `nil` when none has arrived.
    private static func take(_ remaining: Int, from buffer: inout ByteBuffer) -> (ByteBuffer, Int)? {
        guard buffer.readableBytes > 0 else { return nil }
        let slice = buffer.readSlice(length: min(remaining, buffer.readableBytes))!
        return (slice, remaining - slice.readableBytes)
    }

    // MARK: - Head

    private mutating func readHead(_ buffer: inout ByteBuffer) throws(Failure) -> HTTP1Head? {
        if scanned == 0 { Self.skipEmptyLines(&buffer) }
        guard let end = findHeadEnd(buffer) else {
            if buffer.readableBytes > maxHeadBytes { throw Self.tooLarge(buffer) }
            return nil
        }
        if end > maxHeadBytes { throw Self.tooLarge(buffer) }
        scanned = 0
        let parsed = buffer.withUnsafeReadableBytes { bytes in
            Result { () throws(Failure) in try Self.parseHead(UnsafeRawBufferPointer(rebasing: bytes[..<end])) }
        }
        buffer.moveReaderIndex(forwardBy: end)
        return try parsed.get()
    }

    /// The length of the head including its empty line, once it is all there.
    private mutating func findHeadEnd(_ buffer: ByteBuffer) -> Int? {
        buffer.withUnsafeReadableBytes { bytes in
            var from = scanned
            while let i = bytes.index(of: .lf, from: from) {
                // An empty line: LF LF, or LF CR LF.
                if i >= 1, bytes[i - 1] == .lf { return i + 1 }
                if i >= 2, bytes[i - 1] == .cr, bytes[i - 2] == .lf { return i + 1 }
                from = i + 1
            }
            // Resume two bytes back: the end may straddle this arrival and the next.
            scanned = max(0, bytes.count - 2)
            return nil
        }
    }

    private static func skipEmptyLines(_ buffer: inout ByteBuffer) {
        while let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self), byte == .cr || byte == .lf {
            buffer.moveReaderIndex(forwardBy: 1)
        }
    }

    private static func tooLarge(_ buffer: ByteBuffer) -> Failure {
        buffer.withUnsafeReadableBytes { bytes in
            guard let lf = bytes.firstIndex(of: .lf),
                let line = try? requestLine(UnsafeRawBufferPointer(rebasing: bytes[..<lf]).trimmingCR)
            else { return .headTooLarge(method: nil, target: nil) }
            return .headTooLarge(method: line.method, target: line.target)
        }
    }

    private static func parseHead(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> HTTP1Head {
        var lines = Lines(bytes)
        guard let first = try lines.next() else { throw .malformed("empty request") }
        let line = try requestLine(first)
        var head = HTTP1Head(
            method: line.method, target: line.target, minorVersion: line.minor,
            fields: HTTP1Fields(capacity: 16, bytes: bytes.count), keepAlive: line.minor >= 1)
        var close = false
        var keepAlive = false
        var count = 0
        while let field = try lines.next(), !field.isEmpty {
            count += 1
            if count > maxFields { throw .tooManyFields(method: line.method, target: line.target) }
            let (name, value) = try Self.field(field)
            // Only the framing and connection fields are read here, and only they become strings.
            if name.equalsLowercased("content-length") {
                guard let length = Self.decimal(value) else { throw .malformed("invalid content-length '\(Self.text(value))'") }
                // Even an equal repeat, which RFC 9110 §8.6 would let through: llhttp and nginx refuse it.
                guard head.contentLength == nil else { throw .malformed("repeated content-length") }
                head.contentLength = length
            } else if name.equalsLowercased("transfer-encoding") {
                // Only `chunked` alone: a coding Decoy cannot undo, or chunked twice, is refused.
                let text = Self.text(value)
                let codings = text.lowercased().split(separator: ",").map { $0.trimmingWhitespace }
                guard codings == ["chunked"] else { throw .malformed("unsupported transfer-encoding '\(text)'") }
                // A second line is a second coding (RFC 9110 §5.3): chunked twice, as llhttp reads it.
                guard !head.chunked else { throw .malformed("repeated transfer-encoding") }
                head.chunked = true
            } else if name.equalsLowercased("connection") {
                for token in Self.text(value).lowercased().split(separator: ",") {
                    switch token.trimmingWhitespace {
                    case "close": close = true
                    case "keep-alive": keepAlive = true
                    default: break
                    }
                }
            } else if name.equalsLowercased("expect") {
                head.expectsContinue = Self.text(value).lowercased() == "100-continue"
            }
            head.fields.append(name: name, value: value)
        }
        if head.chunked, head.contentLength != nil {
            throw .malformed("both transfer-encoding and content-length")
        }
        // RFC 9112 §6.1: an HTTP/1.0 message with transfer-encoding has faulty framing; it is answered
        // and the connection closed.
        let faultyFraming = head.chunked && head.minorVersion == 0
        head.keepAlive = !close && !faultyFraming && (head.minorVersion >= 1 || keepAlive)
        return head
    }

    /// `METHOD SP target SP HTTP/1.x`. A minor version above 1 reads as 1 (RFC 9112 §2.3, as nginx does;
    /// llhttp refuses it), so an answer never claims a version Decoy does not speak.
    private static func requestLine(_ line: UnsafeRawBufferPointer) throws(Failure) -> (method: String, target: String, minor: Int) {
        guard let space = line.firstIndex(of: .space), space > 0 else { throw .malformed("invalid request line") }
        let method = UnsafeRawBufferPointer(rebasing: line[..<space])
        guard method.allSatisfy(isToken) else { throw .malformed("invalid method") }
        let rest = UnsafeRawBufferPointer(rebasing: line[(space + 1)...])
        guard let second = rest.firstIndex(of: .space), second > 0 else { throw .malformed("invalid request line") }
        let target = UnsafeRawBufferPointer(rebasing: rest[..<second])
        guard target.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { throw .malformed("invalid request target") }
        let version = UnsafeRawBufferPointer(rebasing: rest[(second + 1)...])
        guard version.count == 8, version.starts(with: "HTTP/1.".utf8), let digit = version.last,
            digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9")
        else { throw .malformed("unsupported HTTP version") }
        let minor = min(Int(digit - UInt8(ascii: "0")), 1)
        return (String(decoding: method, as: UTF8.self), String(decoding: target, as: UTF8.self), minor)
    }

    /// `name: value`: the name as sent, the value without surrounding whitespace, both checked.
    private static func field(_ line: UnsafeRawBufferPointer) throws(Failure) -> (name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        guard let first = line.first, first != .space, first != .tab else { throw .malformed("obsolete line folding") }
        guard let colon = line.firstIndex(of: .colon), colon > 0 else { throw .malformed("header line without a colon") }
        let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
        guard name.allSatisfy(isToken) else { throw .malformed("invalid header name") }
        var start = colon + 1
        var end = line.count
        while start < end, line[start] == .space || line[start] == .tab { start += 1 }
        while end > start, line[end - 1] == .space || line[end - 1] == .tab { end -= 1 }
        let value = UnsafeRawBufferPointer(rebasing: line[start..<end])
        guard value.allSatisfy(isFieldText) else {
            throw .malformed("invalid character in header value")
        }
        return (name, value)
    }

    private static func text(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Digits only, at most 18 of them (no sign, no spaces: RFC 9110's `1*DIGIT`).
    private static func decimal(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// One line without its line end, consumed; `nil` until it is all there.
    private func readLine(_ buffer: inout ByteBuffer, limit: Int, what: String) throws(Failure) -> [UInt8]? {
        let found: Int? = buffer.withUnsafeReadableBytes { $0.firstIndex(of: .lf) }
        guard let lf = found else {
            if buffer.readableBytes > max(limit, 0) + 1 { throw .malformed("\(what) too long") }
            return nil
        }
        var line = buffer.readBytes(length: lf + 1)!
        line.removeLast()
        if line.last == .cr { line.removeLast() }
        guard !line.contains(.cr) else { throw .malformed("bare CR in \(what)") }
        return line
    }
}

/// The lines of a head, without their line ends (CRLF or LF).
private struct Lines {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    mutating func next() throws(HTTP1Parser.Failure) -> UnsafeRawBufferPointer? {
        guard position < bytes.count else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[position...])
        let lf = rest.index(of: .lf, from: 0) ?? rest.count
        position += lf + 1
        let line = UnsafeRawBufferPointer(rebasing: rest[..<lf]).trimmingCR
        guard !line.contains(.cr) else { throw .malformed("bare CR in the head") }
        return line
    }
}

extension UnsafeRawBufferPointer {
    /// The first `byte` at or after `from`, by `memchr` (vectorised; heads are searched line by line).
    fileprivate func index(of byte: UInt8, from: Int) -> Int? {
        guard from < count, let base = baseAddress else { return nil }
        guard let found = memchr(base + from, Int32(byte), count - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    fileprivate var trimmingCR: UnsafeRawBufferPointer {
        guard let last, last == .cr else { return self }
        return UnsafeRawBufferPointer(rebasing: self[..<(count - 1)])
    }
}

extension Substring {
    fileprivate var trimmingWhitespace: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
