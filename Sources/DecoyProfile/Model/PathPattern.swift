/// A path pattern such as `/v1/projects/{project}/models/{model}:generateContent` or `/custom/*`.
///
/// `{name}` captures characters up to the next literal text within one segment; a final `*` matches any rest.
public struct PathPattern: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    let segments: [[Piece]]
    let trailingWildcard: Bool

    enum Piece: Sendable, Equatable {
        case literal(Substring)
        case capture(String)
    }

    /// Parses a pattern; the error message says what is wrong with it.
    public init(_ text: String) throws(PatternError) {
        guard text.hasPrefix("/") else { throw PatternError("path pattern must start with '/'") }
        var parts = text.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        var wildcard = false
        if parts.last == "*" {
            wildcard = true
            parts.removeLast()
        }
        var segments: [[Piece]] = []
        for part in parts {
            if part.contains("*") { throw PatternError("'*' may only stand alone as the last segment") }
            var pieces: [Piece] = []
            var rest = part[...]
            while let open = rest.firstIndex(of: "{") {
                if open > rest.startIndex { pieces.append(.literal(rest[rest.startIndex..<open])) }
                guard let close = rest[open...].firstIndex(of: "}") else {
                    throw PatternError("unclosed '{' in path pattern")
                }
                let name = rest[rest.index(after: open)..<close]
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw PatternError("capture name '\(name)' must be letters, digits or '_'")
                }
                if case .capture = pieces.last { throw PatternError("two captures need literal text between them") }
                pieces.append(.capture(String(name)))
                rest = rest[rest.index(after: close)...]
            }
            if rest.contains("}") { throw PatternError("unmatched '}' in path pattern") }
            if !rest.isEmpty { pieces.append(.literal(rest)) }
            segments.append(pieces)
        }
        self.text = text
        self.segments = segments
        self.trailingWildcard = wildcard
    }

    public var description: String { text }

    /// True when the pattern has no captures or wildcard, so plain string equality matches it.
    public var isLiteral: Bool {
        !trailingWildcard && segments.allSatisfy { $0.allSatisfy { if case .literal = $0 { true } else { false } } }
    }

    /// How many of the pattern's segments, from the first, are wholly literal text (no capture): a path the
    /// pattern matches starts with exactly those segments. The route index files routes under them.
    public var literalLeadingSegments: Int {
        var count = 0
        for pieces in segments {
            guard pieces.count <= 1 else { break }
            if case .capture = pieces.first { break }
            count += 1
        }
        return count
    }

    /// The captures if `path` (without query) matches, else `nil`.
    public func match(_ path: Substring) -> [String: Substring]? {
        guard path.first == "/" else { return nil }
        // Count segments before splitting: the router tries every pattern, and most differ in depth.
        var depth = 0
        for byte in path.utf8 where byte == UInt8(ascii: "/") { depth += 1 }
        guard trailingWildcard ? depth >= segments.count : depth == segments.count else { return nil }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if trailingWildcard {
            guard parts.count >= segments.count else { return nil }
        } else {
            guard parts.count == segments.count else { return nil }
        }
        var captures: [String: Substring] = [:]
        for (pieces, part) in zip(segments, parts) {
            guard Self.match(pieces[...], part, into: &captures) else { return nil }
        }
        return captures
    }

    private static func match(_ pieces: ArraySlice<Piece>, _ text: Substring, into captures: inout [String: Substring])
        -> Bool
    {
        guard let first = pieces.first else { return text.isEmpty }
        switch first {
        case .literal(let literal):
            guard text.hasPrefix(literal) else { return false }
            return match(pieces.dropFirst(), text.dropFirst(literal.count), into: &captures)
        case .capture(let name):
            let rest = pieces.dropFirst()
            guard case .literal(let next)? = rest.first else {
                guard !text.isEmpty else { return false }
                captures[name] = text
                return true
            }
            // The capture is non-empty and ends where the following literal lets the rest match, latest first.
            var end = text.endIndex
            while end > text.startIndex {
                end = text.index(before: end)
                guard end > text.startIndex, text[end...].hasPrefix(next) else { continue }
                var attempt = captures
                if match(rest, text[end...], into: &attempt) {
                    captures = attempt
                    captures[name] = text[text.startIndex..<end]
                    return true
                }
            }
            return false
        }
    }

    /// Why a pattern was refused.
    public struct PatternError: Error, Sendable, Equatable {
        public var message: String
        public init(_ message: String) { self.message = message }
    }
}
