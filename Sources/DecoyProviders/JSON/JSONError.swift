/// Why a request body is not JSON, and where: the byte offset plus the line, column and character
/// position Python's `json` module would report, so a 400 can read like the real provider's.
///
/// `description` is Python's wording, e.g. `Expecting ',' delimiter: line 1 column 18 (char 17)`.
/// Line, column and character count Unicode scalars, not bytes, as Python does; `offset` is bytes.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, one case per message Python's `json` can give (plus the ones it cannot).
    public enum Reason: Sendable, Equatable {
        /// A value was expected: empty input, a bad literal, a lone minus, a trailing comma in an array.
        case expectingValue
        /// An object key was expected: after `{` or `,` inside an object.
        case expectingPropertyName
        /// The `:` after an object key is missing.
        case expectingColon
        /// A `,` (or the closing bracket) is missing after a value.
        case expectingComma
        /// A string reaches the end of the input; the offset is its opening quote.
        case unterminatedString
        /// A raw control character (below U+0020) inside a string.
        case invalidControlCharacter
        /// A backslash followed by something other than `"\/bfnrtu`.
        case invalidEscape
        /// `\u` not followed by four hexadecimal digits.
        case invalidUnicodeEscape
        /// A byte sequence inside a string that is not well-formed UTF-8.
        case invalidUTF8
        /// Something other than whitespace after the top-level value.
        case extraData
        /// Objects and arrays nested deeper than the parser's limit.
        case tooDeep
        /// A body too large to index (offsets are 32-bit).
        case tooLarge

        /// The message, in Python's words where Python has one.
        public var message: String {
            switch self {
            case .expectingValue: "Expecting value"
            case .expectingPropertyName: "Expecting property name enclosed in double quotes"
            case .expectingColon: "Expecting ':' delimiter"
            case .expectingComma: "Expecting ',' delimiter"
            case .unterminatedString: "Unterminated string starting at"
            case .invalidControlCharacter: "Invalid control character at"
            case .invalidEscape: "Invalid \\escape"
            case .invalidUnicodeEscape: "Invalid \\uXXXX escape"
            case .invalidUTF8: "Invalid UTF-8 byte at"
            case .extraData: "Extra data"
            case .tooDeep: "Maximum nesting depth exceeded at"
            case .tooLarge: "Document too large at"
            }
        }
    }

    /// What went wrong.
    public let reason: Reason
    /// Byte offset into the input.
    public let offset: Int
    /// 1-based line number.
    public let line: Int
    /// 1-based column, in Unicode scalars.
    public let column: Int
    /// 0-based position in Unicode scalars (Python's `char`).
    public let characterOffset: Int

    /// Python's wording: `<message>: line L column C (char N)`.
    public var description: String {
        "\(reason.message): line \(line) column \(column) (char \(characterOffset))"
    }

    /// Builds the error for `reason` at byte `offset` of `input`, counting lines and scalars up to it.
    /// Runs only on the failure path, so it may walk the prefix.
    init(_ reason: Reason, at offset: Int, in input: UnsafeBufferPointer<UInt8>) {
        self.reason = reason
        self.offset = offset
        var line = 1
        var scalars = 0
        var scalarsBeforeLine = 0  // scalars up to and including the last newline
        for index in 0..<min(offset, input.count) {
            let byte = input[index]
            guard byte & 0xC0 != 0x80 else { continue }  // continuation bytes are not new scalars
            scalars += 1
            if byte == UInt8(ascii: "\n") {
                line += 1
                scalarsBeforeLine = scalars
            }
        }
        self.line = line
        self.column = scalars - scalarsBeforeLine + 1
        self.characterOffset = scalars
    }
}
