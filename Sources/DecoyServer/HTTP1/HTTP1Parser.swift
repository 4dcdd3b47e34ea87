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
/// Strict where leniency lets requests be smuggled or misread (bare CR, folded lines, a malformed or
/// repeated content-length, both framing headers), lenient where clients differ harmlessly (LF line
/// ends, empty lines before a request).
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
    }

    private enum State {
        case head
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(seen: Int)
        case complete
    }

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
                state = size == 0 ? .trailers(seen: 0) : .chunkData(remaining: size)

            case .chunkData(let remaining):
                guard let (slice, left) = Self.take(remaining, from: &buffer) else { return nil }
                state = left == 0 ? .chunkDataEnd : .chunkData(remaining: left)
                return .body(slice)

            case .chunkDataEnd:
                guard let line = try readLine(&buffer, limit: 2, what: "chunk end") else { return nil }
                guard line.isEmpty else { throw .malformed("chunk data longer than its size") }
                state = .chunkSize

            case .trailers(let seen):
                guard let line = try readLine(&buffer, limit: maxHeadBytes - seen, what: "trailer section") else { return nil }
                state = line.isEmpty ? .complete : .trailers(seen: seen + line.count + 2)

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
        while let field = try lines.next(), !field.isEmpty {
            let (name, value) = try Self.field(field)
            // Only the framing and connection fields are read here, and only they become strings.
            if name.equalsLowercased("content-length") {
                guard let length = Self.decimal(value) else { throw .malformed("invalid content-length '\(Self.text(value))'") }
                if let earlier = head.contentLength, earlier != length { throw .malformed("conflicting content-length headers") }
                head.contentLength = length
            } else if name.equalsLowercased("transfer-encoding") {
                // Only `chunked` alone: a coding Decoy cannot undo, or chunked twice, is refused.
                let text = Self.text(value)
                let codings = text.lowercased().split(separator: ",").map { $0.trimmingWhitespace }
                guard codings == ["chunked"] else { throw .malformed("unsupported transfer-encoding '\(text)'") }
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
        head.keepAlive = !close && (head.minorVersion >= 1 || keepAlive)
        return head
    }

    /// `METHOD SP target SP HTTP/1.x`.
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
        return (String(decoding: method, as: UTF8.self), String(decoding: target, as: UTF8.self), Int(digit - UInt8(ascii: "0")))
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
        guard value.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == .tab }) else {
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

    // MARK: - Chunked bodies

    /// A chunk's size from its line: hex digits, then optional `;extensions`.
    private static func chunkSize(_ line: [UInt8]) throws(Failure) -> Int {
        var size = 0
        var digits = 0
        for byte in line {
            let value: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = Int(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = Int(byte - UInt8(ascii: "A") + 10)
            case UInt8(ascii: ";"), .space, .tab:
                guard digits > 0 else { throw .malformed("invalid chunk size") }
                return size
            default: throw .malformed("invalid chunk size")
            }
            digits += 1
            guard digits <= 15 else { throw .malformed("chunk size too large") }
            size = size << 4 | value
        }
        guard digits > 0 else { throw .malformed("invalid chunk size") }
        return size
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

extension UInt8 {
    fileprivate static let cr = UInt8(ascii: "\r")
    fileprivate static let lf = UInt8(ascii: "\n")
    fileprivate static let space = UInt8(ascii: " ")
    fileprivate static let tab = UInt8(ascii: "\t")
    fileprivate static let colon = UInt8(ascii: ":")
}

/// RFC 9110 `tchar`: the characters of methods and header names.
private func isToken(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
        UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
        UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        true
    default:
        false
    }
}
