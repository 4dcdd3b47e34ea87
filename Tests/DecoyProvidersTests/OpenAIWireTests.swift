import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyProviders

/// What every OpenAI and Azure OpenAI answer carries besides its body (ids, versions, region), Azure's
/// content-filter annotations, and the model a route's `response.model` reports.
@Suite struct OpenAIWireTests {
    let openAI = OpenAIDialect()
    let azure = OpenAIDialect(azure: true)
    static let chat = #"{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}"#

    func parse(_ dialect: OpenAIDialect, _ endpoint: Endpoint, _ body: String = Self.chat) throws -> ParsedRequest {
        try dialect.parse(
            RequestHead(method: "POST", path: "/x", endpoint: endpoint, captures: ["deployment": "my-gpt4o"]),
            body: Array(body.utf8))
    }

    func headers(_ reply: Reply) -> [String: String] {
        Dictionary(reply.headers, uniquingKeysWith: { a, _ in a })
    }

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func body(_ reply: Reply) throws -> [String: Any] {
        guard case .full(let bytes) = reply.body else { throw Failure.notFull }
        return try json(bytes)
    }

    /// Each SSE event's JSON (`[DONE]` left out).
    func chunks(_ reply: Reply) throws -> [[String: Any]] {
        guard case .stream(var stream) = reply.body else { throw Failure.notStream }
        var out: [[String: Any]] = []
        while let event = stream.next() {
            let text = String(decoding: event.bytes, as: UTF8.self)
            #expect(text.hasPrefix("data: ") && text.hasSuffix("\n\n"))
            let data = text.dropFirst(6).dropLast(2)
            if data != "[DONE]" { out.append(try json(Array(data.utf8))) }
        }
        return out
    }

    enum Failure: Error { case notFull, notStream }

    /// Every kind of answer a dialect gives: a success, a stream, a 429, an error, a malformed body.
    func everyAnswer(_ dialect: OpenAIDialect, _ endpoint: Endpoint) throws -> [Reply] {
        let parsed = try parse(dialect, endpoint)
        var stream = parsed
        stream.sim.stream = true
        return [
            dialect.render(parsed, schedule: Schedule(completionTokens: 2)),
            dialect.render(stream, schedule: Schedule(completionTokens: 2)),
            dialect.render(Rejection(kind: .requests, retryAfter: 1, quota: QuotaStatus(limitRequests: 6), routeName: "r"), for: parsed),
            dialect.render(dialect.error(.injected(status: 500, retryAfter: nil))),
            dialect.render(dialect.error(.notFound(method: "GET", path: "/nope"))),
            dialect.renderMalformed(parsed),
        ]
    }

    // MARK: OpenAI

    @Test func everyOpenAIAnswerCarriesARequestIDAndTheAPIVersion() throws {
        var ids: Set<String> = []
        for reply in try everyAnswer(openAI, .openaiChat) {
            let h = headers(reply)
            let id = try #require(h["x-request-id"])
            #expect(id.hasPrefix("req_") && id.utf8.count == 36)
            #expect(id.dropFirst(4).allSatisfy { $0.isHexDigit && !$0.isUppercase })
            ids.insert(id)
            #expect(h["openai-version"] == "2020-10-01")
            #expect(h["openai-organization"] == "user-decoy")
            #expect(h["apim-request-id"] == nil && h["x-ms-region"] == nil)
            #expect(reply.headers.first?.0 == "content-type")
        }
        #expect(ids.count == 6, "each answer has its own id")
    }

    @Test func aStreamKeepsItsIDsBehindTheEventStreamContentType() throws {
        var parsed = try parse(openAI, .openaiChat)
        parsed.sim.stream = true
        let reply = openAI.render(parsed, schedule: Schedule(completionTokens: 2))
        #expect(reply.headers.first! == ("content-type", "text/event-stream; charset=utf-8"))
        #expect(reply.headers.filter { $0.0 == "content-type" }.count == 1)
        #expect(headers(reply)["x-request-id"] != nil)
    }

    @Test func aLimitWithRetryAfterNoneSendsNoRetryAfter() throws {
        let parsed = try parse(openAI, .openaiChat)
        var rejection = Rejection(kind: .requests, retryAfter: 2, quota: QuotaStatus(limitRequests: 6), routeName: "r")
        rejection.retryAfterHeader = .noHeader
        let h = headers(openAI.render(rejection, for: parsed))
        #expect(h["retry-after"] == nil && h["retry-after-ms"] == nil)
        #expect(h["x-ratelimit-limit-requests"] == "6")
        rejection.retryAfterHeader = .header
        #expect(headers(azure.render(rejection, for: try parse(azure, .azureChat)))["retry-after-ms"] == "2000")
    }

    // MARK: Azure

    @Test func everyAzureAnswerCarriesAPIManagementsIDsAndTheRegion() throws {
        let uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
        for reply in try everyAnswer(azure, .azureChat) {
            let h = headers(reply)
            let apim = try #require(h["apim-request-id"])
            let request = try #require(h["x-request-id"])
            #expect(apim.wholeMatch(of: uuid) != nil, "\(apim)")
            #expect(request.wholeMatch(of: uuid) != nil, "\(request)")
            #expect(apim != request)
            #expect(h["x-ms-region"] == "East US")
            #expect(h["openai-version"] == nil && h["openai-organization"] == nil)
        }
    }

    @Test func azureAnnotatesThePromptAndEveryChoiceWithContentFilterResults() throws {
        let parsed = try parse(azure, .azureChat, #"{"n":2,"messages":[{"role":"user","content":"hello"}]}"#)
        let body = try body(azure.render(parsed, schedule: Schedule(completionTokens: 3)))
        let prompts = try #require(body["prompt_filter_results"] as? [[String: Any]])
        #expect(prompts.count == 1 && prompts[0]["prompt_index"] as? Int == 0)
        let promptResults = try #require(prompts[0]["content_filter_results"] as? [String: [String: Any]])
        #expect(Set(promptResults.keys) == ["hate", "jailbreak", "self_harm", "sexual", "violence"])
        #expect(promptResults["jailbreak"]?["detected"] as? Bool == false)
        #expect(promptResults["hate"]?["severity"] as? String == "safe")
        let choices = try #require(body["choices"] as? [[String: Any]])
        #expect(choices.count == 2)
        for choice in choices {
            let results = try #require(choice["content_filter_results"] as? [String: [String: Any]])
            #expect(Set(results.keys) == ["hate", "self_harm", "sexual", "violence"])
            #expect(results.values.allSatisfy { $0["filtered"] as? Bool == false && $0["severity"] as? String == "safe" })
        }
        // OpenAI itself sends none of it.
        let plain = try self.body(openAI.render(try parse(openAI, .openaiChat), schedule: Schedule(completionTokens: 3)))
        #expect(plain["prompt_filter_results"] == nil)
        #expect((plain["choices"] as? [[String: Any]])?[0]["content_filter_results"] == nil)
    }

    @Test func anAzureStreamOpensWithTheFilterChunkAndAnnotatesEachChoice() throws {
        var parsed = try parse(azure, .azureChat)
        parsed.sim.stream = true
        parsed.includeUsage = true
        let chunks = try chunks(azure.render(parsed, schedule: Schedule(completionTokens: 2)))
        // prompt filter, role, 2 tokens, finish, usage
        #expect(chunks.count == 6)
        let first = chunks[0]
        #expect((first["choices"] as? [Any])?.isEmpty == true)
        #expect(first["id"] as? String == "" && first["object"] as? String == "" && first["created"] as? Int == 0)
        #expect((first["prompt_filter_results"] as? [[String: Any]])?.first?["prompt_index"] as? Int == 0)
        func results(_ chunk: [String: Any]) -> [String: Any]? {
            (chunk["choices"] as? [[String: Any]])?.first?["content_filter_results"] as? [String: Any]
        }
        #expect(results(chunks[1])?.isEmpty == true, "the role chunk's results are empty")
        #expect(results(chunks[2])?.count == 4 && results(chunks[3])?.count == 4)
        #expect(results(chunks[4])?.isEmpty == true, "so are the finish chunk's")
        #expect((chunks[5]["choices"] as? [Any])?.isEmpty == true && chunks[5]["usage"] is [String: Any])
        #expect(chunks[1...].allSatisfy { $0["object"] as? String == "chat.completion.chunk" })
    }

    @Test func anAzureLegacyCompletionIsAnnotatedWithoutTheJailbreakCheck() throws {
        let parsed = try parse(azure, .azureCompletions, #"{"prompt":"Once"}"#)
        let body = try body(azure.render(parsed, schedule: Schedule(completionTokens: 2)))
        let prompt = try #require((body["prompt_filter_results"] as? [[String: Any]])?.first)
        #expect((prompt["content_filter_results"] as? [String: Any])?.count == 4)
        #expect((body["choices"] as? [[String: Any]])?.first?["content_filter_results"] != nil)
    }

    // MARK: response.model

    @Test func aRoutesResponseModelNamesTheModelBehindTheDeployment() throws {
        var schedule = Schedule(completionTokens: 2)
        schedule.model = "gpt-4o-2024-08-06"
        let parsed = try parse(azure, .azureChat, #"{"messages":[{"role":"user","content":"hello"}]}"#)
        #expect(parsed.model == "my-gpt4o")
        #expect(try body(azure.render(parsed, schedule: schedule))["model"] as? String == "gpt-4o-2024-08-06")
        var stream = parsed
        stream.sim.stream = true
        #expect(try chunks(azure.render(stream, schedule: schedule))[1]["model"] as? String == "gpt-4o-2024-08-06")
        // Without it, the deployment (or the body's model) is named, as before.
        #expect(try body(azure.render(parsed, schedule: Schedule(completionTokens: 2)))["model"] as? String == "my-gpt4o")
        let embeddings = try parse(openAI, .openaiEmbeddings, #"{"model":"text-embedding-3-small","input":"x","dimensions":4}"#)
        schedule.model = "text-embedding-3-small-v2"
        #expect(try body(openAI.render(embeddings, schedule: schedule))["model"] as? String == "text-embedding-3-small-v2")
    }
}
