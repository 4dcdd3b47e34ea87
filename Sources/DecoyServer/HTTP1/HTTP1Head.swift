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

/// Header fields in arrival order, names lowercased as read; looked up by name in any case.
struct HTTP1Fields: HeaderSource {
    private(set) var pairs: [(name: String, value: String)] = []

    init() {}

    /// Room for `capacity` fields, so a typical head costs one allocation rather than one per doubling.
    init(capacity: Int) {
        pairs.reserveCapacity(capacity)
    }

    mutating func append(name: String, value: String) {
        pairs.append((name, value))
    }

    /// The first value of a field, by case-insensitive name.
    func first(_ name: String) -> String? {
        let key = name.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? name.lowercased() : name
        for pair in pairs where pair.name == key { return pair.value }
        return nil
    }
}
