import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyProviders

/// The OpenAI dialect reads what clients send and writes what they parse.
@Suite struct OpenAIDialectTests {
    let dialect = OpenAIDialect()

    func parse(_ endpoint: Endpoint, _ body: String, captures: [String: Substring] = [:]) -> Result<ParsedRequest, ProviderError> {
        Result { () throws(ProviderError) in
            try dialect.parse(RequestHead(method: "POST", path: "/v1/x", endpoint: endpoint, captures: captures), body: Array(body.utf8))
        }
    }

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func schedule(tokens: Int = 4) -> Schedule { Schedule(completionTokens: tokens) }

    @Test func readsTheFieldsTheEngineNeeds() throws {
        let parsed = try parse(
            .openaiChat,
            #"{"model":"gpt-4o","stream":true,"n":2,"max_tokens":7,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"twelve bytes"}]}"#
        ).get()
        #expect(parsed.model == "gpt-4o")
        #expect(parsed.sim.stream)
        #expect(parsed.sim.choices == 2)
        #expect(parsed.sim.maxTokens == 7)
        #expect(parsed.includeUsage)
        #expect(parsed.sim.promptTokens == (16 + 3) / 4 + 3)  // "user" + "twelve bytes", plus 3 per message
        #expect(parsed.echo == "twelve bytes")
    }

    @Test func refusesStreamOptionsWithoutStream() {
        let result = parse(.openaiChat, #"{"model":"m","stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}"#)
        guard case .failure(let error) = result else { Issue.record("accepted"); return }
        #expect(error.status == 400)
        #expect(error.param == "stream_options")
    }

    @Test func chatBodyIsValidJSONWithUsage() throws {
        let parsed = try parse(.openaiChat, #"{"model":"m","n":2,"messages":[{"role":"user","content":"hello"}]}"#).get()
        guard case .full(let bytes) = dialect.render(parsed, schedule: schedule()).body else { Issue.record("stream"); return }
        let body = try json(bytes)
        #expect(body["object"] as? String == "chat.completion")
        #expect((body["id"] as? String)?.hasPrefix("chatcmpl-") == true)
        #expect((body["choices"] as? [Any])?.count == 2)
        let usage = try #require(body["usage"] as? [String: Any])
        #expect(usage["completion_tokens"] as? Int == 8)
    }

    @Test func everyStreamChunkIsJSONAndUsageComesLast() throws {
        var parsed = try parse(.openaiChat, #"{"model":"m","stream":true,"messages":[{"role":"user","content":"hello"}]}"#).get()
        parsed.includeUsage = true
        guard case .stream(var stream) = dialect.render(parsed, schedule: schedule(tokens: 3)).body else {
            Issue.record("not a stream"); return
        }
        var events: [String] = []
        while let event = stream.next() { events.append(String(decoding: event.bytes, as: UTF8.self)) }
        #expect(events.last == "data: [DONE]\n\n")
        for event in events.dropLast() {
            #expect(event.hasPrefix("data: ") && event.hasSuffix("\n\n"))
            _ = try json(Array(event.dropFirst(6).dropLast(2).utf8))
        }
        let usage = try json(Array(events[events.count - 2].dropFirst(6).dropLast(2).utf8))
        #expect((usage["choices"] as? [Any])?.isEmpty == true)
        #expect(events.count == 1 + 3 + 1 + 1 + 1)
    }

    @Test func responsesStreamFollowsTheRealEventOrder() throws {
        let parsed = try parse(.openaiResponses, #"{"model":"m","stream":true,"input":"hello"}"#).get()
        guard case .stream(var stream) = dialect.render(parsed, schedule: schedule(tokens: 2)).body else {
            Issue.record("not a stream"); return
        }
        var types: [String] = []
        var sequence: [Int] = []
        while let event = stream.next() {
            let text = String(decoding: event.bytes, as: UTF8.self)
            let data = try json(Array(text.components(separatedBy: "\ndata: ")[1].dropLast(2).utf8))
            types.append(data["type"] as! String)
            sequence.append(data["sequence_number"] as! Int)
        }
        #expect(types == [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.done",
            "response.content_part.done", "response.output_item.done", "response.completed",
        ])
        #expect(sequence == Array(0..<10))
    }

    @Test func embeddingsAreDeterministicUnitVectorsOfTheAskedSize() throws {
        let parsed = try parse(.openaiEmbeddings, #"{"model":"text-embedding-3-small","input":["a","b","a"],"dimensions":64}"#).get()
        guard case .full(let bytes) = dialect.render(parsed, schedule: schedule()).body else { return }
        let data = try #require(try json(bytes)["data"] as? [[String: Any]])
        let vectors = data.map { $0["embedding"] as! [Double] }
        #expect(vectors.count == 3)
        #expect(vectors.allSatisfy { $0.count == 64 })
        #expect(vectors[0] == vectors[2])
        #expect(vectors[0] != vectors[1])
        let norm = vectors[0].reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(norm - 1) < 1e-3)
    }

    @Test func base64EmbeddingsDecodeToTheSameFloats() throws {
        let floats = try parse(.openaiEmbeddings, #"{"model":"m","input":"hi","dimensions":8}"#).get()
        let base64 = try parse(.openaiEmbeddings, #"{"model":"m","input":"hi","dimensions":8,"encoding_format":"base64"}"#).get()
        guard case .full(let a) = dialect.render(floats, schedule: schedule()).body,
            case .full(let b) = dialect.render(base64, schedule: schedule()).body
        else { return }
        let plain = (try json(a)["data"] as! [[String: Any]])[0]["embedding"] as! [Double]
        let encoded = (try json(b)["data"] as! [[String: Any]])[0]["embedding"] as! String
        let raw = try #require(Data(base64Encoded: encoded))
        let decoded = raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        #expect(decoded.count == 8)
        for (x, y) in zip(plain, decoded) { #expect(abs(x - Double(y)) < 1e-5) }
    }

    @Test func rateLimitRejectionCarriesOpenAIHeadersAndBody() throws {
        let parsed = try parse(.openaiChat, #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}"#).get()
        let quota = QuotaStatus(limitRequests: 600, remainingRequests: 0, resetRequests: 0.1)
        let reply = dialect.render(Rejection(kind: .requests, retryAfter: 0.1, quota: quota, routeName: "r"), for: parsed)
        #expect(reply.status == 429)
        let headers = Dictionary(reply.headers, uniquingKeysWith: { a, _ in a })
        #expect(headers["retry-after"] == "1")
        #expect(headers["x-ratelimit-limit-requests"] == "600")
        #expect(headers["x-ratelimit-remaining-requests"] == "0")
        #expect(headers["x-ratelimit-reset-requests"] == "100ms")
        guard case .full(let bytes) = reply.body else { return }
        let error = try #require(try json(bytes)["error"] as? [String: Any])
        #expect(error["type"] as? String == "requests")
        #expect(error["code"] as? String == "rate_limit_exceeded")
        #expect((error["message"] as? String)?.hasPrefix("Rate limit reached for gpt-4o-mini") == true)
    }

    @Test func azureAddsRetryAfterMilliseconds() throws {
        let azure = OpenAIDialect(azure: true)
        let parsed = try azure.parse(
            RequestHead(method: "POST", path: "/x", endpoint: .azureChat, captures: ["deployment": "dep"]),
            body: Array(#"{"messages":[{"role":"user","content":"x"}]}"#.utf8))
        let reply = azure.render(Rejection(kind: .requests, retryAfter: 1.5, quota: QuotaStatus(limitRequests: 6), routeName: "r"), for: parsed)
        let headers = Dictionary(reply.headers, uniquingKeysWith: { a, _ in a })
        #expect(headers["retry-after"] == "2")
        #expect(headers["retry-after-ms"] == "1500")
    }

    @Test(arguments: [
        (0.006, "6ms"), (1.0, "1s"), (17.5, "17.5s"), (90.0, "1m30s"), (360.0, "6m0s"), (3723.0, "1h2m3s"), (0.0000005, "500ns"),
    ])
    func goDurationsReadLikeOpenAIHeaders(seconds: Double, text: String) {
        #expect(GoDuration.format(seconds: seconds) == text)
    }
}
