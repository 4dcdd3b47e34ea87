/// One entry of a parsed document's index: a value's kind, its bytes, and where its subtree ends.
///
/// Tokens are stored in document order (a container before its children, a key before its value), so
/// a subtree is the contiguous run `index..<next` and a sibling is one `next` hop away.
struct JSONToken: Sendable {
    enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null
    }

    /// The string is an object key (not a value; `textLength` skips it).
    static let isKey: UInt8 = 1
    /// The string contains backslash escapes; decode before comparing.
    static let hasEscapes: UInt8 = 2
    /// The number has no fraction and no exponent.
    static let isInteger: UInt8 = 4

    /// Strings: first byte after the opening quote. Others: first byte of the value.
    var start: UInt32
    /// Strings: the closing quote. Others: one past the last byte.
    var end: UInt32
    /// Index of the first token after this value's subtree. While a container is open, its parent's index.
    var next: UInt32
    /// Arrays: elements. Objects: members. Strings: decoded UTF-8 length. Others: 0.
    var count: UInt32
    var kind: Kind
    var flags: UInt8
}

/// The validating single pass: walks the bytes once, checks them against RFC 8259, and writes a
/// `JSONToken` per value into memory the caller provides. It does not recurse (open containers are
/// chained through their tokens' `next` fields), so depth is bounded only by `maxDepth`.
///
/// When the caller's space runs low, `scan()` returns early; the caller asks `tokenBound()` how much
/// more can come, moves the tokens to a buffer of that size (`resume(in:)`) and calls `scan()` again.
/// So a body costs one allocation, the final index, plus, for a dense one, one counting pass.
///
/// Decisions: input must be UTF-8 and strings are checked for well-formed UTF-8 (no overlongs,
/// no encoded surrogates); a leading UTF-8 byte order mark is skipped, as Python's `json.loads(bytes)`
/// and Foundation do; escaped lone surrogates (`"\ud800"`) are accepted, as RFC 8259's grammar and
/// Python allow, and decode to U+FFFD; numbers follow the grammar exactly (no `NaN`, no leading zeros).
struct JSONScanner: ~Copyable {
    private static let noParent = UInt32.max
    /// Most tokens one step of the value loop writes: a container and its first key, or a key and a scalar.
    static let stepTokens = 3

    private let input: UnsafeBufferPointer<UInt8>
    private let bytes: UnsafePointer<UInt8>
    private let length: Int
    private let maxDepth: Int
    private var position = 0
    private var parent = JSONScanner.noParent
    private var depth = 0
    private var tokens: UnsafeMutableBufferPointer<JSONToken>
    /// Tokens written so far.
    private(set) var count = 0

    /// A scanner of `input` writing its first tokens into `tokens` (stack memory, say).
    init(_ input: UnsafeBufferPointer<UInt8>, maxDepth: Int, into tokens: UnsafeMutableBufferPointer<JSONToken>) {
        precondition(tokens.count >= Self.stepTokens)
        self.input = input
        self.bytes = input.baseAddress ?? UnsafePointer(bitPattern: 1)!
        self.length = input.count
        self.maxDepth = maxDepth
        self.tokens = tokens
        if length >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
    }

    /// At most how many more tokens the input can produce, plus room for one step: one per `[`, `{`, `,`
    /// and `:` still ahead (every later value or key follows one of them). Counts bytes inside strings
    /// too, so it overestimates text with punctuation; it never underestimates.
    func tokenBound() -> Int {
        var bound = Self.stepTokens
        var index = position
        // Eight bytes at a time: mark each matching byte with its high bit, add the marks up in byte lanes
        // (at most 255 words per round, so no lane overflows), then sum the lanes.
        let ones: UInt64 = 0x0101_0101_0101_0101
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        func zeroBytes(_ word: UInt64) -> UInt64 { ~(((word & low7) &+ low7) | word | low7) }
        while length - index >= 8 {
            var lanes: UInt64 = 0
            let stop = min(length - 7, index + 8 * 255)
            while index < stop {
                let word = UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)
                let marks = zeroBytes((word | ones &* 0x20) ^ ones &* UInt64(UInt8(ascii: "{")))
                    | zeroBytes(word ^ ones &* UInt64(UInt8(ascii: ",")))
                    | zeroBytes(word ^ ones &* UInt64(UInt8(ascii: ":")))
                lanes &+= marks >> 7
                index += 8
            }
            let pairs = (lanes & 0x00FF_00FF_00FF_00FF) &+ (lanes >> 8 & 0x00FF_00FF_00FF_00FF)
            bound += Int(truncatingIfNeeded: (pairs &* 0x0001_0001_0001_0001) >> 48)
        }
        while index < length {
            bound += Self.opensOrSeparates(bytes[index]) ? 1 : 0
            index += 1
        }
        return bound
    }

    /// `[`, `{`, `,` or `:` (`[` is `{` without bit 5).
    private static func opensOrSeparates(_ byte: UInt8) -> Bool {
        byte | 0x20 == UInt8(ascii: "{") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: ":")
    }

    /// Moves the tokens written so far into `larger` and continues there.
    mutating func resume(in larger: UnsafeMutableBufferPointer<JSONToken>) {
        precondition(larger.count >= count + Self.stepTokens)
        _ = larger.moveInitialize(fromContentsOf: tokens[..<count])
        tokens = larger
    }

    /// Validates the input and indexes it. Returns true when done, false when it stopped because fewer
    /// than `stepTokens` slots were left; throws at the first fault.
    mutating func scan() throws(JSONError) -> Bool {
        guard length < Int(Self.noParent) else { throw fail(.tooLarge, at: 0) }
        while true {
            // Expecting a value at `position` (after whitespace).
            guard tokens.count - count >= Self.stepTokens else { return false }
            skipWhitespace()
            guard position < length else { throw fail(.expectingValue, at: position) }
            let byte = bytes[position]
            var opened = false
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                guard depth <= maxDepth else { throw fail(.tooDeep, at: position) }
                let kind: JSONToken.Kind = byte == UInt8(ascii: "{") ? .object : .array
                append(kind, start: position, end: position, next: parent)
                parent = UInt32(count - 1)
                position += 1
                skipWhitespace()
                if position < length, bytes[position] == byte + 2 {  // `}` and `]` are 2 after `{` and `[`
                    position += 1
                    close()
                } else {
                    opened = true
                    if kind == .object { try scanKey() }
                }
            case UInt8(ascii: "\""): try scanString(flags: 0)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try scanNumber()
            case UInt8(ascii: "t"): try scanLiteral("true", .true)
            case UInt8(ascii: "f"): try scanLiteral("false", .false)
            case UInt8(ascii: "n"): try scanLiteral("null", .null)
            default: throw fail(.expectingValue, at: position)
            }
            if opened { continue }

            // A value just ended: close containers until one wants another value.
            while true {
                guard parent != Self.noParent else {
                    skipWhitespace()
                    guard position == length else { throw fail(.extraData, at: position) }
                    return true
                }
                let container = Int(parent)
                tokens[container].count += 1
                let isObject = tokens[container].kind == .object
                skipWhitespace()
                guard position < length else { throw fail(.expectingComma, at: position) }
                let byte = bytes[position]
                if byte == UInt8(ascii: ",") {
                    position += 1
                    if isObject {
                        skipWhitespace()
                        try scanKey()
                    }
                    break
                }
                guard byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    throw fail(.expectingComma, at: position)
                }
                position += 1
                close()
            }
        }
    }

    private mutating func append(_ kind: JSONToken.Kind, start: Int, end: Int, next: UInt32, size: Int = 0,
                                 flags: UInt8 = 0) {
        tokens.initializeElement(
            at: count,
            to: JSONToken(start: UInt32(truncatingIfNeeded: start), end: UInt32(truncatingIfNeeded: end), next: next,
                          count: UInt32(truncatingIfNeeded: size), kind: kind, flags: flags))
        count += 1
    }

    /// Ends the container `parent` just after its closing bracket and makes its parent current again.
    private mutating func close() {
        let container = Int(parent)
        parent = tokens[container].next
        tokens[container].next = UInt32(count)
        tokens[container].end = UInt32(truncatingIfNeeded: position)
        depth -= 1
    }

    private mutating func skipWhitespace() {
        while position < length {
            switch bytes[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    /// `"key"` then `:`; leaves `position` after the colon.
    private mutating func scanKey() throws(JSONError) {
        guard position < length, bytes[position] == UInt8(ascii: "\"") else {
            throw fail(.expectingPropertyName, at: position)
        }
        try scanString(flags: JSONToken.isKey)
        skipWhitespace()
        guard position < length, bytes[position] == UInt8(ascii: ":") else {
            throw fail(.expectingColon, at: position)
        }
        position += 1
    }

    private mutating func scanLiteral(_ word: StaticString, _ kind: JSONToken.Kind) throws(JSONError) {
        let size = word.utf8CodeUnitCount
        guard length - position >= size else { throw fail(.expectingValue, at: position) }
        let text = word.utf8Start
        for offset in 1..<size where bytes[position + offset] != text[offset] {
            throw fail(.expectingValue, at: position)
        }
        append(kind, start: position, end: position + size, next: UInt32(count + 1))
        position += size
    }

    /// The number grammar, matched greedily like Python's regex: a `.` or `e` not followed by digits ends
    /// the number before it, and whatever follows then fails as extra data or a missing delimiter.
    private mutating func scanNumber() throws(JSONError) {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < length, isDigit(bytes[position]) else { throw fail(.expectingValue, at: start) }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            skipDigits()
        }
        var flags = JSONToken.isInteger
        if position + 1 < length, bytes[position] == UInt8(ascii: "."), isDigit(bytes[position + 1]) {
            position += 2
            skipDigits()
            flags = 0
        }
        if position < length, bytes[position] | 0x20 == UInt8(ascii: "e") {
            var digits = position + 1
            if digits < length, bytes[digits] == UInt8(ascii: "+") || bytes[digits] == UInt8(ascii: "-") {
                digits += 1
            }
            if digits < length, isDigit(bytes[digits]) {
                position = digits + 1
                skipDigits()
                flags = 0
            }
        }
        append(.number, start: start, end: position, next: UInt32(count + 1), flags: flags)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private mutating func skipDigits() {
        while position < length, isDigit(bytes[position]) { position += 1 }
    }

    /// A string from its opening quote; records its decoded UTF-8 length so `textLength` needs no decoding.
    private mutating func scanString(flags: UInt8) throws(JSONError) {
        let open = position
        position += 1
        let start = position
        var saved = 0  // bytes the escapes save once decoded
        var flags = flags
        while true {
            // Sixteen, then eight bytes at a time while none is a quote, a backslash, a control
            // character or non-ASCII (prompts are long runs of plain text).
            while length - position >= 16 {
                let first = UnsafeRawPointer(bytes + position).loadUnaligned(as: UInt64.self)
                let second = UnsafeRawPointer(bytes + position + 8).loadUnaligned(as: UInt64.self)
                guard Self.attention(first) | Self.attention(second) == 0 else { break }
                position += 16
            }
            while length - position >= 8 {
                let word = UnsafeRawPointer(bytes + position).loadUnaligned(as: UInt64.self)
                guard !Self.needsAttention(word) else { break }
                position += 8
            }
            guard position < length else { throw fail(.unterminatedString, at: open) }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") {
                flags |= JSONToken.hasEscapes
                saved += try scanEscape(open: open)
            } else if byte < 0x20 {
                throw fail(.invalidControlCharacter, at: position)
            } else if byte < 0x80 {
                position += 1
            } else {
                // Runs of non-ASCII text (CJK, emoji) skip the eight-byte test, which would fail on each.
                repeat { try scanUTF8Sequence(open: open) } while position < length && bytes[position] >= 0x80
            }
        }
        let end = position
        position += 1
        append(.string, start: start, end: end, next: UInt32(count + 1), size: end - start - saved,
               flags: flags)
    }

    private static func needsAttention(_ word: UInt64) -> Bool {
        attention(word) != 0
    }

    /// Nonzero when a byte of `word` is a quote, a backslash, a control character or non-ASCII.
    @inline(__always)
    private static func attention(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        let zeroQuote = (quotes &- ones) & ~quotes
        let zeroBackslash = (backslashes &- ones) & ~backslashes
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control | word) & highs
    }

    /// One escape at `position` (a backslash); returns how many bytes shorter its decoded form is.
    private mutating func scanEscape(open: Int) throws(JSONError) -> Int {
        guard position + 1 < length else { throw fail(.unterminatedString, at: open) }
        switch bytes[position + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            position += 2
            return 1
        case UInt8(ascii: "u"):
            let unit = try hexQuad(at: position + 2, escapeAt: position + 1)
            position += 6
            if unit >= 0xD800, unit < 0xDC00, length - position >= 6, bytes[position] == UInt8(ascii: "\\"),
                bytes[position + 1] == UInt8(ascii: "u"),
                let low = Self.hexValue(bytes + position + 2), low >= 0xDC00, low < 0xE000
            {
                position += 6
                return 12 - 4
            }
            let decoded = unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3  // a lone surrogate becomes U+FFFD: 3
            return 6 - decoded
        default:
            throw fail(.invalidEscape, at: position)
        }
    }

    private func hexQuad(at index: Int, escapeAt: Int) throws(JSONError) -> UInt32 {
        guard length - index >= 4, let value = Self.hexValue(bytes + index) else {
            throw fail(.invalidUnicodeEscape, at: escapeAt)
        }
        return value
    }

    /// The value of four hexadecimal digits, or nil.
    static func hexValue(_ digits: UnsafePointer<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        for offset in 0..<4 {
            let byte = digits[offset]
            guard let nibble = byte.hexDigitValue else { return nil }
            value = value << 4 | UInt32(nibble)
        }
        return value
    }

    /// One multi-byte UTF-8 sequence at `position`, checked against Unicode's table of well-formed sequences.
    private mutating func scanUTF8Sequence(open: Int) throws(JSONError) {
        let lead = bytes[position]
        let size: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: size = 2
        case 0xE0...0xEF:
            size = 3
            if lead == 0xE0 { low = 0xA0 }
            if lead == 0xED { high = 0x9F }
        case 0xF0...0xF4:
            size = 4
            if lead == 0xF0 { low = 0x90 }
            if lead == 0xF4 { high = 0x8F }
        default: throw fail(.invalidUTF8, at: position)
        }
        guard length - position >= size else { throw fail(.unterminatedString, at: open) }
        guard bytes[position + 1] >= low, bytes[position + 1] <= high else {
            throw fail(.invalidUTF8, at: position + 1)
        }
        for offset in 2..<max(size, 2) where bytes[position + offset] & 0xC0 != 0x80 {
            throw fail(.invalidUTF8, at: position + offset)
        }
        position += size
    }

    private func fail(_ reason: JSONError.Reason, at offset: Int) -> JSONError {
        JSONError(reason, at: offset, in: input)
    }
}
