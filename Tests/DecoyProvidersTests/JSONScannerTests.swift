import Foundation
import Testing

@testable import DecoyProviders

private func parse(_ text: String) throws(JSONError) -> JSONValue { try JSONDocument.parse(text).root }

private func reason(_ text: String) -> JSONError.Reason? { failure(Array(text.utf8))?.reason }

private func failure(_ bytes: [UInt8]) -> JSONError? {
    do {
        _ = try JSONDocument.parse(bytes)
        return nil
    } catch {
        return error
    }
}

/// A realistic OpenAI chat body touching every construct: nesting, parts, escapes, every number form.
private let chatBody = #"""
    {"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},
     {"role":"user","content":[{"type":"text","text":"Caf\u00e9 \ud83d\ude00 \"quoted\"\n"},
      {"type":"image_url","image_url":{"url":"https:\/\/example.com\/a.png"}}]}],
     "stream":true,"stream_options":{"include_usage":true},"max_tokens":256,"n":1,
     "temperature":0.7,"top_p":1E0,"presence_penalty":-0.5e-1,"stop":null,"logit_bias":{},"tools":[]}
    """#

/// SplitMix64: a fixed-seed generator so the mutation test is the same run every time.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct JSONScannerTests {
    // MARK: Valid documents

    @Test func parsesEmptyAndNestedContainers() throws {
        let root = try parse(#" { "a" : [ ] , "b" : { } , "c" : [ [ 1 ] , { "d" : null } ] } "#)
        #expect(root.kind == .object)
        #expect(root.count == 3)
        #expect(root["a"]?.kind == .array && root["a"]?.count == 0)
        #expect(root["b"]?.kind == .object && root["b"]?.count == 0)
        #expect(root["c"]?[0]?[0]?.int == 1)
        #expect(root["c"]?[1]?["d"]?.isNull == true)
    }

    @Test func acceptsTopLevelScalars() throws {
        #expect(try parse("\"hi\"").string == "hi")
        #expect(try parse(" 42 ").int == 42)
        #expect(try parse("true").bool == true)
        #expect(try parse("false").bool == false)
        #expect(try parse("null").isNull)
        #expect(try parse("null").kind == .null)
    }

    @Test func readsNumbersInEveryForm() throws {
        let root = try parse("[0, -0, 7, -12, 1.5, -0.25, 1e3, 2E-2, 3.5e+1, 9223372036854775807,-9223372036854775808]")
        let values = root.elements.map(\.double)
        let expected = [0, -0.0, 7, -12, 1.5, -0.25, 1000, 0.02, 35, 9.223372036854775807e18, -9.223372036854775808e18]
        #expect(values == expected)
        #expect(root.elements.map(\.int) == [0, 0, 7, -12, nil, nil, 1000, nil, 35, .max, .min])
    }

    @Test func intIsNilWhenOutOfRange() throws {
        #expect(try parse("9223372036854775808").int == nil)
        #expect(try parse("-9223372036854775809").int == nil)
        #expect(try parse("1e400").double == .infinity)
    }

    @Test func accessorsOfTheWrongKindAreNil() throws {
        let root = try parse(#"{"s":"1","n":1}"#)
        #expect(root["s"]?.int == nil && root["n"]?.string == nil && root["n"]?.bool == nil)
        #expect(root["s"]?["x"] == nil && root["s"]?[0] == nil && root["s"]?.count == 0)
        #expect(root[0] == nil && root.elements.underestimatedCount == 0)
    }

    @Test func skipsALeadingByteOrderMark() throws {
        #expect(try JSONDocument.parse([0xEF, 0xBB, 0xBF] + Array("[1]".utf8)).root[0]?.int == 1)
    }

    @Test func descriptionIsTheRawJSONText() throws {
        let root = try parse(#"{"a": [1, "x\n"]}"#)
        #expect(root["a"]?.description == #"[1, "x\n"]"#)
        #expect(root["a"]?[1]?.description == #""x\n""#)
    }

    @Test func indexesDenseBodiesBeyondTheStackScratch() throws {
        let numbers = (0..<10_000).map(String.init).joined(separator: ",")
        let root = try parse(#"{"input":[["# + numbers + #"]],"model":"m","tail":{"k":[1,{}]}}"#)
        let tokens = try #require(root["input"]?[0])
        #expect(tokens.count == 10_000)
        #expect(tokens[9_999]?.int == 9_999)
        #expect(tokens.elements.reduce(0) { $0 + ($1.int ?? 0) } == 49_995_000)
        #expect(root["model"]?.string == "m" && root["tail"]?["k"]?[1]?.count == 0)
    }

    @Test func indexesObjectsWithManyMembers() throws {
        let members = (0..<2_000).map { #""k\#($0)":"v,:[{\#($0)""# }.joined(separator: ",")
        let root = try parse("{" + members + "}")
        #expect(root.count == 2_000)
        #expect(root["k1999"]?.string == "v,:[{1999")
        #expect(root.members.map(\.key).last?.stringEquals("k1999") == true)
    }

    // MARK: Field lookup, the way dialects read bodies

    @Test func readsChatCompletionFields() throws {
        let root = try JSONDocument.parse(chatBody).root
        #expect(root["model"]?.string == "gpt-4o-mini")
        #expect(root["stream"]?.bool == true)
        #expect(root["max_tokens"]?.int == 256)
        #expect(root["n"]?.int == 1)
        #expect(root["stream_options"]?["include_usage"]?.bool == true)
        #expect(root["stop"]?.isNull == true)
        #expect(root["max_completion_tokens"] == nil)
    }

    @Test func readsMessageContentAsStringOrParts() throws {
        let messages = try #require(try JSONDocument.parse(chatBody).root["messages"])
        #expect(messages.count == 2)
        #expect(messages[0]?["role"]?.stringEquals("system") == true)
        #expect(messages[0]?["content"]?.string == "You are terse.")
        let parts = try #require(messages[1]?["content"])
        #expect(parts.kind == .array)
        let texts = parts.elements.compactMap { $0["text"]?.string }
        #expect(texts == ["Café 😀 \"quoted\"\n"])
        #expect(parts[1]?["image_url"]?["url"]?.string == "https://example.com/a.png")
    }

    @Test func readsGeminiContentsAndGenerationConfig() throws {
        let root = try parse(#"""
            {"contents":[{"role":"user","parts":[{"text":"Hello"},{"text":" world"}]}],
             "generationConfig":{"maxOutputTokens":64,"candidateCount":2}}
            """#)
        let parts = try #require(root["contents"]?[0]?["parts"])
        #expect(parts.elements.map { $0["text"]?.string } == ["Hello", " world"])
        #expect(root["generationConfig"]?["maxOutputTokens"]?.int == 64)
        #expect(root["contents"]?.textLength == "userHello world".utf8.count)
    }

    @Test func readsEmbeddingsInputAsStringOrArray() throws {
        #expect(try parse(#"{"input":"one","dimensions":256}"#)["input"]?.kind == .string)
        let batch = try parse(#"{"input":["one","two","three"]}"#)["input"]
        #expect(batch?.elements.compactMap(\.string) == ["one", "two", "three"])
        #expect(batch?.textLength == 11)
    }

    @Test func iteratesObjectMembersInOrder() throws {
        let root = try parse(#"{"b":1,"a":2,"b":3}"#)
        let pairs = root.members.map { ($0.key.string ?? "?", $0.value.int ?? -1) }
        #expect(pairs.map(\.0) == ["b", "a", "b"])
        #expect(pairs.map(\.1) == [1, 2, 3])
    }

    @Test func lastDuplicateKeyWinsAsInPython() throws {
        #expect(try parse(#"{"n":1,"n":2}"#)["n"]?.int == 2)
    }

    @Test func matchesEscapedKeysByDecodedValue() throws {
        let root = try parse(#"{"m\u006fdel":"x","caf\u00e9":1,"a\"b":2}"#)
        #expect(root["model"]?.string == "x")
        #expect(root["café"]?.int == 1)
        #expect(root["a\"b"]?.int == 2)
        #expect(root["mode"] == nil && root["models"] == nil)
    }

    @Test func keysAreComparedWithoutUnicodeNormalisation() throws {
        let root = try parse("{\"caf\u{E9}\":1}")
        #expect(root["cafe\u{301}"] == nil)
        #expect(root["caf\u{E9}"]?.int == 1)
    }

    // MARK: Strings

    @Test func decodesEverySimpleEscape() throws {
        #expect(try parse(#""\" \\ \/ \b \f \n \r \t""#).string == "\" \\ / \u{8} \u{C} \n \r \t")
    }

    @Test func decodesUnicodeEscapesOfEveryWidth() throws {
        #expect(try parse(#""\u0041\u00e9\u20AC\u0000""#).string == "Aé€\u{0}")
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try parse(#""\ud83d\ude00\uD834\uDD1E""#).string == "😀𝄞")
    }

    @Test func decodesLoneSurrogatesAsReplacementCharacter() throws {
        #expect(try parse(#""a\ud800b\udc00\ud800\u0041""#).string == "a\u{FFFD}b\u{FFFD}\u{FFFD}A")
    }

    @Test func keepsRawUTF8() throws {
        #expect(try parse("\"日本語 🎉\"").string == "日本語 🎉")
    }

    @Test func textLengthCountsDecodedBytesOfStringValuesOnly() throws {
        let root = try JSONDocument.parse(chatBody).root
        var expected = 0
        func add(_ value: JSONValue) {
            switch value.kind {
            case .string: expected += value.string!.utf8.count
            case .array: value.elements.forEach(add)
            case .object: value.members.forEach { add($0.value) }
            default: break
            }
        }
        add(root)
        #expect(root.textLength == expected)
        #expect(root["messages"]?[1]?["content"]?[0]?["text"]?.textLength == "Café 😀 \"quoted\"\n".utf8.count)
        #expect(try parse(#"{"long_key_name":1}"#).textLength == 0)
    }

    // MARK: Rejections, with Python's messages

    @Test(arguments: [
        ("", "Expecting value: line 1 column 1 (char 0)"),
        ("  ", "Expecting value: line 1 column 3 (char 2)"),
        ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
        (#"{"a":1,}"#, "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"),
        ("\"abc", "Unterminated string starting at: line 1 column 1 (char 0)"),
        ("\"a\u{1}\"", "Invalid control character at: line 1 column 3 (char 2)"),
        (#""\q""#, "Invalid \\escape: line 1 column 2 (char 1)"),
        (#""\u12x""#, "Invalid \\uXXXX escape: line 1 column 3 (char 2)"),
        (#""\ud800\u12""#, "Invalid \\uXXXX escape: line 1 column 9 (char 8)"),
        ("01", "Extra data: line 1 column 2 (char 1)"),
        ("[01]", "Expecting ',' delimiter: line 1 column 3 (char 2)"),
        ("[-01]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
        ("-", "Expecting value: line 1 column 1 (char 0)"),
        ("1.", "Extra data: line 1 column 2 (char 1)"),
        ("[1e+]", "Expecting ',' delimiter: line 1 column 3 (char 2)"),
        (#"{"a" 1}"#, "Expecting ':' delimiter: line 1 column 6 (char 5)"),
        ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("[", "Expecting value: line 1 column 2 (char 1)"),
        ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
        (#"{"a":1"#, "Expecting ',' delimiter: line 1 column 7 (char 6)"),
        ("nul", "Expecting value: line 1 column 1 (char 0)"),
        ("\"é\" x", "Extra data: line 1 column 5 (char 4)"),
        ("{\n  \"model\": \"x\"\n  \"n\": 1}", "Expecting ',' delimiter: line 3 column 3 (char 19)"),
    ])
    func reportsErrorsInPythonsWords(input: String, message: String) {
        #expect(failure(Array(input.utf8))?.description == message)
    }

    @Test func reportsTheByteOffsetSeparatelyFromTheCharacterOffset() throws {
        let error = try #require(failure(Array("[\"é\" 1]".utf8)))
        #expect(error.offset == 6 && error.characterOffset == 5)
    }

    @Test func rejectsTrailingCommas() {
        #expect(reason("[1,2,]") == .expectingValue)
        #expect(reason(#"{"a":1,}"#) == .expectingPropertyName)
    }

    @Test func rejectsMissingCommasAndColons() {
        #expect(reason(#"{"a":1 "b":2}"#) == .expectingComma)
        #expect(reason(#"{"a" 1}"#) == .expectingColon)
        #expect(reason(#"{"a"}"#) == .expectingColon)
        #expect(reason("[1}") == .expectingComma)
        #expect(reason(#"{"a":1]"#) == .expectingComma)
    }

    @Test func rejectsNonStringKeys() {
        #expect(reason("{a:1}") == .expectingPropertyName)
        #expect(reason("{'a':1}") == .expectingPropertyName)
        #expect(reason("{1:1}") == .expectingPropertyName)
    }

    @Test func rejectsUnterminatedStrings() {
        for text in ["\"", "\"abc", "[\"abc]", "\"abc\\", "\"abc\\\"", "\"\u{E9}"] {
            #expect(reason(text) == .unterminatedString, "\(text)")
        }
    }

    @Test func rejectsBadEscapes() {
        for text in [#""\x41""#, #""\U0041""#, #""\'""#, #""\ ""#, "\"\\\u{E9}\""] {
            #expect(reason(text) == .invalidEscape, "\(text)")
        }
        for text in [#""\u""#, #""\u12""#, #""\u12G4""#, #""\u{41}""#] {
            #expect(reason(text) == .invalidUnicodeEscape, "\(text)")
        }
    }

    @Test func rejectsBadNumbers() {
        for text in ["01", "-01", "00", "1.", ".5", "+1", "1e", "1e+", "1.e5", "0x10", "1_000", "--1"] {
            #expect(reason(text) != nil, "\(text)")
        }
        #expect(reason("-") == .expectingValue)
        #expect(reason("[-]") == .expectingValue)
    }

    @Test func rejectsNonStandardLiterals() {
        for text in ["NaN", "Infinity", "-Infinity", "True", "nul", "tru", "fals", "undefined", "'a'"] {
            #expect(reason(text) == .expectingValue, "\(text)")
        }
    }

    @Test func rejectsControlCharactersInStrings() {
        for byte in UInt8(0)..<0x20 {
            #expect(failure([0x22, 0x61, byte, 0x22])?.reason == .invalidControlCharacter)
        }
        #expect(reason("\"a\u{7F}\"") == nil)  // DEL is allowed
    }

    @Test func rejectsTrailingGarbage() {
        for text in ["{} x", "[]]", "{}{}", "1 2", "null,", "\"a\"\"b\"", "[] /* c */"] {
            #expect(reason(text) == .extraData, "\(text)")
        }
    }

    @Test func rejectsEmptyAndBlankInput() {
        #expect(reason("") == .expectingValue)
        #expect(reason(" \n\t\r ") == .expectingValue)
        #expect(reason("\u{C}1") == .expectingValue)  // form feed is not JSON whitespace
    }

    @Test func rejectsMalformedUTF8() {
        let samples: [[UInt8]] = [
            [0x80], [0xFF], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
            [0xF0, 0x80, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xC3, 0x28],
            [0xE2, 0x82, 0x28],
        ]
        for sample in samples {
            #expect(failure([0x22] + sample + [0x22])?.reason == .invalidUTF8, "\(sample)")
        }
        #expect(failure([0xFF, 0x31])?.reason == .expectingValue)
    }

    @Test func rejectsEveryTruncationOfAChatBody() {
        let body = Array(chatBody.utf8)
        #expect(failure(body) == nil)
        for length in 0..<body.count {
            #expect(failure(Array(body[..<length])) != nil, "prefix of \(length) bytes was accepted")
        }
    }

    @Test func rejectsDeepNestingWithoutCrashing() {
        let opens = String(repeating: "[", count: 10_000)
        #expect(reason(opens) == .tooDeep)
        #expect(reason(opens + String(repeating: "]", count: 10_000)) == .tooDeep)
        #expect(reason(String(repeating: "{\"a\":", count: 10_000)) == .tooDeep)
    }

    @Test func acceptsNestingUpToTheLimit() throws {
        let depth = JSONDocument.defaultMaxDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(try parse(text).count == 1)
        #expect(reason("[" + text + "]") == .tooDeep)
        #expect(try JSONDocument.parse("[[1]]", maxDepth: 2).root[0]?[0]?.int == 1)
    }

    // MARK: Robustness and agreement

    @Test func randomMutationsNeverCrashAndAreDeterministic() {
        let body = Array(chatBody.utf8)
        let alphabet = Array(#"{}[]",:\/"0123456789-+.eEtrufalsn u"#.utf8)
            + [0x00, 0x0A, 0x1F, 0x7F, 0x80, 0xC3, 0xED, 0xFF]
        var random = SplitMix64(state: 0xDEC0)
        var accepted = 0
        for _ in 0..<20_000 {
            var sample = body
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<sample.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: sample[position] = alphabet.randomElement(using: &random)!
                case 1: sample.remove(at: position)
                default: sample.insert(alphabet.randomElement(using: &random)!, at: position)
                }
            }
            let first = failure(sample)
            #expect(first == failure(sample))
            if first == nil { accepted += 1 }
        }
        #expect(accepted > 0 && accepted < 20_000)
    }

    /// Samples where the verdicts differ on purpose are left out: escaped lone surrogates and `1e400`
    /// (accepted here, as by Python; Foundation rejects them) and trailing commas (rejected here, as by
    /// RFC 8259 and Python; Foundation on Linux accepts `[1,]`).
    @Test(arguments: [
        "{}", "[]", "0", "-0.0e-0", "\"\"", "[1,2.5,-3e2,true,false,null,\"x\"]", #"{"a":{"b":[{}]}}"#,
        #""\ud83d\ude00 \u00e9 \n""#, " \t\r\n[ 1 ] \n", "\"日本\"", "[1e1,0.1e-1,-1E+1]",
        "", " ", "[", "]", "{", "[1 2]", #"{"a" 1}"#, "{a:1}", "01", "-", "1.", ".1",
        "1e", "+1", "NaN", "Infinity", "tru", "nulls", "\"abc", "\"\\x\"", "\"\\u12\"", "\"a\u{1}b\"",
        "[] []", "{}}", "[\"a\"\"b\"]", "'a'", "[,]", "{,}", "[1,,2]", "\u{C}[]", "//c\n[]",
    ])
    func agreesWithFoundationOnAcceptance(text: String) {
        let bytes = Array(text.utf8)
        let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) != nil
        #expect((failure(bytes) == nil) == foundation, "\(text.debugDescription)")
    }

    @Test func agreesWithFoundationOnMalformedUTF8() {
        for sample: [UInt8] in [[0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]] {
            let bytes = [0x5B, 0x22] + sample + [0x22, 0x5D]
            let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes))) != nil
            #expect((failure(bytes) == nil) == foundation, "\(sample)")
        }
    }
}
