import DecoyProfile
import Testing

@testable import DecoyProviders

/// The fake completion text: the cut from the precomputed lorem run equals the word-by-word join.
@Suite struct TextGeneratorTests {
    @Test(arguments: [0, 1, 2, 68, 69, 70, 1000, 4095, 4096, 4097, 5000])
    func loremTextIsItsTokensJoined(count: Int) {
        let generator = TextGenerator(content: .lorem, echo: nil)
        let joined = (0..<count).map(generator.token).joined()
        #expect(generator.text(tokens: count) == joined)
    }

    @Test func anOffsetOrOtherWordsAreJoinedToo() {
        let shifted = TextGenerator(content: .lorem, echo: nil, offset: 3)
        #expect(shifted.text(tokens: 3) == "sit amet, consectetur")
        let echo = TextGenerator(content: .echo, echo: "one two")
        #expect(echo.text(tokens: 3) == "one two one")
    }

    /// What a body carries: the same JSON string whether cut from the lorem run or escaped word by word.
    @Test(arguments: [0, 1, 16, 4095, 4096, 4097])
    func theJSONLiteralIsTheTextEscaped(count: Int) {
        for generator in [
            TextGenerator(content: .lorem, echo: nil), TextGenerator(content: .fixed(#"say "hi"\ then"#), echo: nil),
            TextGenerator(content: .echo, echo: "line\none"),
        ] {
            let literal = generator.jsonLiteral(tokens: count)
            var fast: [UInt8] = []
            literal.append(to: &fast)
            var escaped: [UInt8] = []
            escaped.append(jsonString: generator.text(tokens: count))
            #expect(fast == escaped)
            #expect(literal.count == escaped.count)
        }
    }
}
