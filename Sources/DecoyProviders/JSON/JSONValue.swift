/// The kinds of JSON value.
public enum JSONKind: Sendable, Equatable {
    case object, array, string, number, bool, null
}

/// A view of one value in a `JSONDocument`: the document plus a position in its index. Cheap to copy
/// and to navigate; nothing is decoded until an accessor (`string`, `int`, …) asks for it.
public struct JSONValue: Sendable, CustomStringConvertible {
    /// The document this value belongs to.
    public let document: JSONDocument
    let index: Int

    init(document: JSONDocument, index: Int) {
        self.document = document
        self.index = index
    }

    private var token: JSONToken { document.tokens[index] }

    /// What kind of value this is.
    public var kind: JSONKind {
        switch token.kind {
        case .object: .object
        case .array: .array
        case .string: .string
        case .number: .number
        case .true, .false: .bool
        case .null: .null
        }
    }

    /// The value's bytes in the body; for a string, the contents between the quotes (still escaped).
    public var byteRange: Range<Int> { Int(token.start)..<Int(token.end) }

    /// The value's JSON text, as written in the body.
    public var description: String {
        let token = token
        let range = token.kind == .string ? Int(token.start) - 1..<Int(token.end) + 1 : byteRange
        return String(decoding: document.bytes[range], as: UTF8.self)
    }

    // MARK: Containers

    /// Elements of an array or members of an object; 0 for anything else.
    public var count: Int {
        let token = token
        return token.kind == .object || token.kind == .array ? Int(token.count) : 0
    }

    /// The member named `key` of an object (the last one if the key repeats, as Python's `json` and most
    /// parsers resolve duplicates), or nil. Keys are compared by their decoded UTF-8, without normalisation.
    public subscript(key: String) -> JSONValue? {
        // The key's bytes in place (no copy of the string, no retain of it); `withUTF8` for the rare
        // string without contiguous UTF-8.
        let found: Int?? = key.utf8.withContiguousStorageIfAvailable { member(named: $0) }
        if let found { return found.map { JSONValue(document: document, index: $0) } }
        var key = key
        return key.withUTF8 { member(named: $0) }.map { JSONValue(document: document, index: $0) }
    }

    /// The index of the value of the last member named `wanted`. One pass over raw buffers: the
    /// request path looks up a dozen keys, and going through the arrays would retain and release
    /// them at every member.
    private func member(named wanted: UnsafeBufferPointer<UInt8>) -> Int? {
        document.tokens.withUnsafeBufferPointer { tokens in
            document.bytes.withUnsafeBufferPointer { bytes in
                let object = tokens[index]
                guard object.kind == .object else { return nil }
                var found: Int?
                var keyIndex = index + 1
                for _ in 0..<object.count {
                    if Self.keyMatches(tokens[keyIndex], wanted, in: bytes) { found = keyIndex + 1 }
                    keyIndex = Int(tokens[keyIndex + 1].next)
                }
                return found
            }
        }
    }

    /// The element at `position` of an array, or nil when out of range or not an array. Walks the
    /// elements before it, so prefer `elements` to visit them all.
    public subscript(position: Int) -> JSONValue? {
        let tokens = document.tokens
        guard tokens[index].kind == .array, position >= 0, position < Int(tokens[index].count) else { return nil }
        var element = index + 1
        for _ in 0..<position { element = Int(tokens[element].next) }
        return JSONValue(document: document, index: element)
    }

    /// The elements of an array in order; empty for anything else.
    public var elements: Elements {
        Elements(document: document, first: index + 1, count: token.kind == .array ? Int(token.count) : 0)
    }

    /// The members of an object in order, duplicates included; empty for anything else.
    public var members: Members {
        Members(document: document, first: index + 1, count: token.kind == .object ? Int(token.count) : 0)
    }

    /// The elements of an array.
    public struct Elements: Sequence, Sendable {
        let document: JSONDocument
        let first: Int
        /// How many elements there are.
        public let count: Int

        /// Walks the elements through the index's sibling links.
        public struct Iterator: IteratorProtocol {
            let document: JSONDocument
            var current: Int
            var remaining: Int

            /// The next element, or nil after the last.
            public mutating func next() -> JSONValue? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                defer { current = Int(document.tokens[current].next) }
                return JSONValue(document: document, index: current)
            }
        }

        /// An iterator from the first element.
        public func makeIterator() -> Iterator { Iterator(document: document, current: first, remaining: count) }
        /// The number of elements.
        public var underestimatedCount: Int { count }
    }

    /// The members of an object, each a key (a string value) and its value.
    public struct Members: Sequence, Sendable {
        let document: JSONDocument
        let first: Int
        /// How many members there are.
        public let count: Int

        /// Walks the members through the index's sibling links.
        public struct Iterator: IteratorProtocol {
            let document: JSONDocument
            var current: Int
            var remaining: Int

            /// The next member, or nil after the last.
            public mutating func next() -> (key: JSONValue, value: JSONValue)? {
                guard remaining > 0 else { return nil }
                remaining -= 1
                let key = JSONValue(document: document, index: current)
                let value = JSONValue(document: document, index: current + 1)
                current = Int(document.tokens[current + 1].next)
                return (key, value)
            }
        }

        /// An iterator from the first member.
        public func makeIterator() -> Iterator { Iterator(document: document, current: first, remaining: count) }
        /// The number of members.
        public var underestimatedCount: Int { count }
    }

    // MARK: Scalars

    /// True for `null`.
    public var isNull: Bool { token.kind == .null }

    /// The value of `true` or `false`; nil for anything else.
    public var bool: Bool? {
        switch token.kind {
        case .true: true
        case .false: false
        default: nil
        }
    }

    /// A number that is an exact integer in `Int`'s range (`100`, and also `1e2` or `100.0`); else nil.
    public var int: Int? {
        let token = token
        guard token.kind == .number else { return nil }
        guard token.flags & JSONToken.isInteger != 0 else {
            // Not `Int(exactly:)`: it calls libm, which this module does not link.
            guard let double, double >= -0x1p63, double < 0x1p63 else { return nil }
            let integer = Int(double)
            return Double(integer) == double ? integer : nil
        }
        return document.bytes.withUnsafeBufferPointer { bytes in
            var position = Int(token.start)
            let negative = bytes[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            var value = 0
            while position < Int(token.end) {
                // Accumulate negatively so Int.min fits.
                let digit = Int(bytes[position] &- UInt8(ascii: "0"))
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (next, overflowB) = shifted.subtractingReportingOverflow(digit)
                guard !overflowA, !overflowB else { return nil }
                value = next
                position += 1
            }
            if negative { return value }
            return value == .min ? nil : -value
        }
    }

    /// A number as the nearest `Double` (out-of-range magnitudes become infinity, as in Python); else nil.
    public var double: Double? {
        let token = token
        guard token.kind == .number else { return nil }
        let text = String(decoding: document.bytes[byteRange], as: UTF8.self)
        return Double(text)
    }

    /// The decoded contents of a string (escapes resolved, lone surrogates as U+FFFD); nil for other kinds.
    public var string: String? {
        let token = token
        guard token.kind == .string else { return nil }
        return document.bytes.withUnsafeBufferPointer { bytes in
            let raw = UnsafeBufferPointer(rebasing: bytes[Int(token.start)..<Int(token.end)])
            guard token.flags & JSONToken.hasEscapes != 0 else { return String(decoding: raw, as: UTF8.self) }
            return String(unsafeUninitializedCapacity: Int(token.count)) { JSONValue.unescape(raw, into: $0) }
        }
    }

    /// True if this is a string whose decoded contents are exactly `text` (compared as UTF-8, without
    /// normalisation); allocates nothing when the string has no escapes.
    public func stringEquals(_ text: String) -> Bool {
        guard token.kind == .string else { return false }
        var text = text
        let token = token
        return text.withUTF8 { wanted in document.bytes.withUnsafeBufferPointer { Self.keyMatches(token, wanted, in: $0) } }
    }

    /// Total decoded UTF-8 bytes of every string value in this value (object keys excluded): the size of
    /// the text a prompt carries, for token estimates. Read from the index; decodes nothing.
    public var textLength: Int {
        let tokens = document.tokens
        var total = 0
        for token in tokens[index..<Int(tokens[index].next)] where token.kind == .string {
            if token.flags & JSONToken.isKey == 0 { total += Int(token.count) }
        }
        return total
    }

    // MARK: Decoding

    private static func keyMatches(
        _ key: JSONToken, _ wanted: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>
    ) -> Bool {
        guard Int(key.count) == wanted.count else { return false }
        let raw = UnsafeBufferPointer(rebasing: bytes[Int(key.start)..<Int(key.end)])
        guard key.flags & JSONToken.hasEscapes != 0 else { return raw.elementsEqual(wanted) }
        return String(unsafeUninitializedCapacity: Int(key.count)) { JSONValue.unescape(raw, into: $0) }
            .utf8.elementsEqual(wanted)
    }

    /// Writes the decoded UTF-8 of validated string contents `raw` into `out`; returns the bytes written.
    private static func unescape(_ raw: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>)
        -> Int
    {
        var read = 0
        var written = 0
        func put(_ byte: UInt8) {
            out[written] = byte
            written += 1
        }
        while read < raw.count {
            let byte = raw[read]
            guard byte == UInt8(ascii: "\\") else {
                put(byte)
                read += 1
                continue
            }
            let escape = raw[read + 1]
            read += 2
            switch escape {
            case UInt8(ascii: "b"): put(0x08)
            case UInt8(ascii: "f"): put(0x0C)
            case UInt8(ascii: "n"): put(0x0A)
            case UInt8(ascii: "r"): put(0x0D)
            case UInt8(ascii: "t"): put(0x09)
            case UInt8(ascii: "u"):
                var scalar = JSONScanner.hexValue(raw.baseAddress! + read)!
                read += 4
                if scalar >= 0xD800, scalar < 0xE000 {
                    if scalar < 0xDC00, raw.count - read >= 6, raw[read] == UInt8(ascii: "\\"),
                        raw[read + 1] == UInt8(ascii: "u"),
                        let low = JSONScanner.hexValue(raw.baseAddress! + read + 2), low >= 0xDC00, low < 0xE000
                    {
                        scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
                        read += 6
                    } else {
                        scalar = 0xFFFD
                    }
                }
                for unit in UTF8.encode(Unicode.Scalar(scalar)!)! { put(unit) }
            default: put(escape)  // `"`, `\` and `/` stand for themselves
            }
        }
        return written
    }
}
