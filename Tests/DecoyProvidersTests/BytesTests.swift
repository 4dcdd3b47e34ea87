import Testing

@testable import DecoyProviders

/// The byte renderers every answer is written with.
@Suite struct BytesTests {
    @Test(arguments: [
        "", "plain", "\"", "\\", "a\"b\\c", "line\nbreak\r\ttab", "\u{01}\u{1F}\u{7F}", "Grüße — 你好 — 🙂",
        "ends with quote\"", "\"starts", String(repeating: "x", count: 1000) + "\n",
    ])
    func aJSONStringReadsBackAsItsText(text: String) throws {
        var out: [UInt8] = []
        out.append(jsonString: text)
        let document = try JSONDocument.parse(out)
        #expect(document.root.string == text)
        #expect(!out.dropFirst().dropLast().contains(where: { $0 < 0x20 }))
    }
}
