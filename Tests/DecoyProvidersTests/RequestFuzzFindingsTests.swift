import DecoyProfile
import Testing

@testable import DecoyProviders

/// Requests `Fuzz/run` and its slow-input hunt found to crash or stall a dialect, kept so they stay fixed.
@Suite struct RequestFuzzFindingsTests {
    private let chat = RequestHead(method: "POST", path: "/v1/chat/completions", endpoint: .openaiChat)

    /// The result of parsing `body` as a chat request, and how long it took.
    private func timedChat(_ body: String) -> (request: ParsedRequest?, seconds: Double) {
        let bytes = Array(body.utf8)
        var request: ParsedRequest?
        let elapsed = ContinuousClock().measure {
            request = try? OpenAIDialect().parse(chat, body: bytes)
        }
        return (request, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    // Each message was fetched with `messages[i]`, which walks the array from its start: 300,000
    // messages (3.9 MB, under the 8 MiB body limit) held an event loop for minutes.
    @Test func manyMessagesAreReadInLinearTime() {
        let messages = Array(repeating: #"{"role":"user","content":"x"}"#, count: 50_000).joined(separator: ",")
        let (request, seconds) = timedChat(#"{"model":"m","messages":["# + messages + "]}")
        #expect(request?.echo == "x")
        #expect(seconds < 5)  // about 0.5 s in a debug build; minutes before the fix
    }

    @Test func manyContentPartsAreReadInLinearTime() {
        let parts = Array(repeating: #"{"type":"text","text":"x"}"#, count: 50_000).joined(separator: ",")
        let (request, seconds) = timedChat(#"{"model":"m","messages":[{"role":"user","content":["# + parts + "]}]}")
        #expect(request?.echo?.count == 50_000)
        #expect(seconds < 5)  // about 0.5 s in a debug build; minutes before the fix
    }
}
