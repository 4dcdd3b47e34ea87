import DecoyProviders

/// A chunked body's size lines: what `HTTP1Parser` accepts after a chunk's size, as strictly as
/// llhttp's strict mode (where request smuggling lives).
extension HTTP1Parser {
    /// A chunk's size from its line: hex digits, then nothing but `;extensions` (RFC 9112 §7.1.1).
    /// No whitespace, not even the BWS the RFC lets a recipient skip: llhttp's strict mode refuses it.
    static func chunkSize(_ line: [UInt8]) throws(Failure) -> Int {
        var size = 0
        var digits = 0
        while digits < line.count, let value = line[digits].hexDigitValue {
            digits += 1
            guard digits <= 15 else { throw .malformed("chunk size too large") }
            size = size << 4 | Int(value)
        }
        guard digits > 0 else { throw .malformed("invalid chunk size") }
        try checkExtensions(line[digits...])
        return size
    }

    /// `*( ";" token [ "=" ( token / quoted-string ) ] )`, which Decoy reads past.
    static func checkExtensions(_ rest: ArraySlice<UInt8>) throws(Failure) {
        var i = rest.startIndex
        func token() -> Bool {
            let start = i
            while i < rest.endIndex, isToken(rest[i]) { i += 1 }
            return i > start
        }
        while i < rest.endIndex {
            guard rest[i] == .semicolon else { throw .malformed("invalid character after the chunk size") }
            i += 1
            guard token() else { throw .malformed("invalid chunk extension name") }
            guard i < rest.endIndex, rest[i] == .equals else { continue }
            i += 1
            if i < rest.endIndex, rest[i] == .quote {
                i += 1
                while true {
                    guard i < rest.endIndex else { throw .malformed("unterminated chunk extension value") }
                    let byte = rest[i]
                    if byte == .quote {
                        i += 1
                        break
                    } else if byte == .backslash {
                        // quoted-pair: HTAB, SP, VCHAR or obs-text.
                        guard i + 1 < rest.endIndex, isFieldText(rest[i + 1]) else {
                            throw .malformed("invalid quoted-pair in a chunk extension value")
                        }
                        i += 2
                    } else {
                        // qdtext: what a field value holds, less `"` and `\`.
                        guard isFieldText(byte) else { throw .malformed("invalid character in a chunk extension value") }
                        i += 1
                    }
                }
            } else if !token() {
                throw .malformed("invalid chunk extension value")
            }
        }
    }
}
