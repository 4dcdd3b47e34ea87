/// Appending helpers for rendering JSON and SSE straight into a byte array, without `JSONEncoder`
/// or `String` formatting on the hot path.
extension Array where Element == UInt8 {
    /// Appends the UTF-8 of a literal.
    @inlinable
    mutating func append(_ literal: StaticString) {
        literal.withUTF8Buffer { self.append(contentsOf: $0) }
    }

    /// Appends the UTF-8 of a string as it is (no escaping).
    @inlinable
    mutating func append(raw string: String) {
        var string = string
        string.withUTF8 { self.append(contentsOf: $0) }
    }

    /// Appends a JSON string literal, quotes included, escaping what RFC 8259 requires.
    mutating func append(jsonString string: String) {
        append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            // Runs of bytes that need no escape go in one copy; most strings are one run.
            var run = 0
            for (i, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                run = i + 1
                switch byte {
                case UInt8(ascii: "\""): append("\\\"")
                case UInt8(ascii: "\\"): append("\\\\")
                case UInt8(ascii: "\n"): append("\\n")
                case UInt8(ascii: "\r"): append("\\r")
                case UInt8(ascii: "\t"): append("\\t")
                default:
                    append("\\u00")
                    append(Self.hexDigit(byte >> 4))
                    append(Self.hexDigit(byte & 0xF))
                }
            }
            append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        }
        append(UInt8(ascii: "\""))
    }

    /// Appends a decimal integer.
    mutating func append(int value: Int) {
        if value < 0 {
            append(UInt8(ascii: "-"))
            append(uint: value.magnitude)
        } else {
            append(uint: UInt(value))
        }
    }

    mutating func append(uint value: UInt) {
        if value < 10 {
            append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits
        var count = 0
        var v = value
        Swift.withUnsafeMutableBytes(of: &digits) { buffer in
            while v > 0 {
                buffer[count] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                count += 1
            }
            for i in stride(from: count - 1, through: 0, by: -1) { self.append(buffer[i]) }
        }
    }

    /// Appends a number with up to six decimals, trailing zeros trimmed (`0.5`, `1`, `-0.031416`).
    mutating func append(decimal value: Double) {
        guard value.isFinite else {
            append("0")
            return
        }
        let scaled = (value.magnitude * 1_000_000).rounded()
        if value < 0 && scaled > 0 { append(UInt8(ascii: "-")) }
        let whole = UInt(scaled / 1_000_000)
        var fraction = UInt(scaled.truncatingRemainder(dividingBy: 1_000_000))
        append(uint: whole)
        guard fraction > 0 else { return }
        append(UInt8(ascii: "."))
        var width = 6
        while fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        var divisor: UInt = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
            divisor /= 10
        }
    }

    @usableFromInline
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension UInt8 {
    /// The value of an ASCII hex digit, either case; `nil` for any other byte. The one hex reading:
    /// JSON `\u` escapes, percent-decoding, HTTP chunk sizes.
    public var hexDigitValue: UInt8? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): self - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): self - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): self - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
