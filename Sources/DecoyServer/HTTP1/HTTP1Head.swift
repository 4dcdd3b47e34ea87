import DecoyEngine

/// A request head as read off the wire: the request line, the header fields, and what the framing
/// headers say about the body and the connection.
struct HTTP1Head {
    var method: String
    /// The request target as sent: path and query.
    var target: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var minorVersion: Int
    var fields: HTTP1Fields
    /// The body's declared length; `nil` when chunked or absent.
    var contentLength: Int?
    var chunked = false
    /// The client keeps the connection for another request (HTTP/1.1 unless `connection: close`;
    /// HTTP/1.0 only with `connection: keep-alive`).
    var keepAlive: Bool
    /// `expect: 100-continue`: the client waits for a go-ahead before sending the body.
    var expectsContinue = false

    var hasBody: Bool { chunked || (contentLength ?? 0) > 0 }

    /// Splits the target into path and query.
    var pathAndQuery: (path: Substring, query: Substring) {
        // By UTF-8 byte: a `Character` search is many times slower, and `?` is never part of a cluster.
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return (target[...], "") }
        return (target[..<mark], target[target.utf8.index(after: mark)...])
    }
}

/// Header fields in arrival order; looked up by name in any case. Kept as the bytes read, names
/// lowercased, with where each name and value lie: a field becomes a `String` only when looked up
/// (a request carries half a dozen fields and the server reads two or three).
struct HTTP1Fields: HeaderSource {
    private var bytes: [UInt8] = []
    private var spans: [Span] = []

    /// A field's name and value in `bytes`.
    private struct Span {
        var nameStart: Int32
        var valueStart: Int32
        var valueEnd: Int32
    }

    init() {}

    /// Room for `fields` fields and `bytes` bytes of them, so a typical head costs two allocations.
    init(capacity fields: Int, bytes: Int) {
        spans.reserveCapacity(fields)
        self.bytes.reserveCapacity(bytes)
    }

    /// Adds a field; `name` is stored lowercased.
    mutating func append(name: some Collection<UInt8>, value: some Collection<UInt8>) {
        let nameStart = Int32(bytes.count)
        for byte in name { bytes.append(byte.lowercasedASCII) }
        let valueStart = Int32(bytes.count)
        bytes.append(contentsOf: value)
        spans.append(Span(nameStart: nameStart, valueStart: valueStart, valueEnd: Int32(bytes.count)))
    }

    mutating func append(name: String, value: String) {
        append(name: name.utf8, value: value.utf8)
    }

    /// The first value of a field, by case-insensitive name.
    func first(_ name: String) -> String? {
        var name = name
        return name.withUTF8 { wanted in
            bytes.withUnsafeBufferPointer { bytes in
                for span in spans {
                    let start = Int(span.nameStart)
                    let end = Int(span.valueStart)
                    guard end - start == wanted.count else { continue }
                    var equal = true
                    for i in 0..<wanted.count {
                        if bytes[start + i] != wanted[i].lowercasedASCII {
                            equal = false
                            break
                        }
                    }
                    if equal {
                        return String(decoding: UnsafeBufferPointer(rebasing: bytes[end..<Int(span.valueEnd)]), as: UTF8.self)
                    }
                }
                return nil
            }
        }
    }
}

extension UInt8 {
    /// The byte with ASCII `A`–`Z` made lowercase: header names compare in any case.
    var lowercasedASCII: UInt8 {
        self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self
    }
}

extension UInt8 {
    /// The value of an ASCII hexadecimal digit in either case (a chunk's size); `nil` for any other byte.
    var hexDigitValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension Collection<UInt8> {
    /// Equal to `lowercase` ignoring ASCII case: a header name against the one it might be.
    func equalsLowercased(_ lowercase: StaticString) -> Bool {
        guard count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        return elementsEqual(expected) { byte, wanted in byte.lowercasedASCII == wanted }
    }
}
