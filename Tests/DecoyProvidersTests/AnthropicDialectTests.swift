import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyProviders

/// The Anthropic dialect reads what the anthropic SDK and LiteLLM send, natively and on Vertex AI, and
/// writes what they parse.
@Suite struct AnthropicDialectTests {
    let native = AnthropicDialect()
    let vertex = AnthropicDialect(vertex: true)

    static let hello = #"{"model":"claude-sonnet-4-20250514","max_tokens":7,"system":"be brief","messages":[{"role":"user","content":"hello there"}]}"#
    static let vertexCaptures: [String: Substring] = ["project": "p", "location": "us-east5", "model": "claude-sonnet-4@20250514"]

    func parse(
        _ endpoint: Endpoint, _ body: String, dialect: AnthropicDialect? = nil, captures: [String: Substring] = [:],
        version: Substring? = "2023-06-01", method: String = "POST"
    ) -> Result<ParsedRequest, ProviderError> {
        Result { () throws(ProviderError) in
            try (dialect ?? native).parse(
                RequestHead(
                    method: method, path: "/v1/messages", endpoint: endpoint, captures: captures, apiKey: "k", version: version),
                body: Array(body.utf8))
        }
    }

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func body(_ reply: Reply) throws -> [String: Any] {
        guard case .full(let bytes) = reply.body else { throw Failure.notFull }
        return try json(bytes)
    }

    /// The stream's events as (event line name, data object).
    func events(_ reply: Reply) throws -> [(String, [String: Any])] {
        guard case .stream(var stream) = reply.body else { throw Failure.notStream }
        var out: [(String, [String: Any])] = []
        while let event = stream.next() {
            let text = String(decoding: event.bytes, as: UTF8.self)
            #expect(text.hasSuffix("\n\n"))
            let lines = text.split(separator: "\n")
            let name = String(lines[0].dropFirst("event: ".count))
            out.append((name, try json(Array(lines[1].dropFirst("data: ".count).utf8))))
        }
        return out
    }

    enum Failure: Error { case notFull, notStream }

    func error(_ result: Result<ParsedRequest, ProviderError>) -> ProviderError? {
        if case .failure(let error) = result { return error }
        return nil
    }

    // MARK: Reading requests

    @Test func readsAMessagesRequest() throws {
        let parsed = try parse(.anthropicMessages, Self.hello).get()
        #expect(parsed.model == "claude-sonnet-4-20250514" && parsed.sim.model == parsed.model)
        #expect(parsed.sim.maxTokens == 7 && !parsed.sim.stream)
        #expect(parsed.sim.promptTokens == (4 + 11 + 8 + 3) / 4 + 3)  // role, text, system, per message
        #expect(parsed.echo == "hello there")
        let blocks = try parse(
            .anthropicMessages,
            #"{"model":"m","max_tokens":1,"stream":true,"system":[{"type":"text","text":"sys"}],"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}"#
        ).get()
        #expect(blocks.sim.stream && blocks.echo == "hi")
    }

    @Test(arguments: [
        (#"{"max_tokens":1,"messages":[]}"#, "model: Field required"),
        (#"{"model":"m","messages":[{"role":"user","content":"x"}]}"#, "max_tokens: Field required"),
        (#"{"model":"m","max_tokens":1}"#, "messages: Field required"),
        (#"{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"x"}]}"#, "max_tokens: Input should be greater than or equal to 1"),
        (#"{"model":"m","max_tokens":1,"messages":[{"role":"system","content":"x"}]}"#, "messages.0.role: Input should be 'user' or 'assistant'"),
        (#"{"model":"m","max_tokens":1,"system":5,"messages":[{"role":"user","content":"x"}]}"#, "system: Input should be a valid string or list of text blocks"),
        ("{not json", "There was an error parsing the body of your request as JSON."),
    ])
    func refusesWhatTheAPIRefuses(body: String, message: String) throws {
        let failure = try #require(error(parse(.anthropicMessages, body)))
        #expect(failure.status == 400 && failure.type == "invalid_request_error" && failure.message == message)
    }

    @Test func aMissingVersionHeaderIsA400() throws {
        let failure = try #require(error(parse(.anthropicMessages, Self.hello, version: nil)))
        #expect(failure.status == 400 && failure.message == "anthropic-version: header is required")
        // On Vertex the version is in the body, and required there.
        let vertexFailure = try #require(error(parse(.vertexAnthropic, Self.hello, dialect: vertex, captures: Self.vertexCaptures, version: nil)))
        #expect(vertexFailure.message == "anthropic_version: Field required")
    }

    @Test func vertexTakesTheModelFromThePath() throws {
        let body = #"{"anthropic_version":"vertex-2023-10-16","max_tokens":3,"messages":[{"role":"user","content":"hi"}]}"#
        let parsed = try parse(.vertexAnthropic, body, dialect: vertex, captures: Self.vertexCaptures, version: nil).get()
        #expect(parsed.model == "claude-sonnet-4@20250514" && parsed.sim.project == "p" && !parsed.sim.stream)
        let stream = try parse(.vertexAnthropicStream, body, dialect: vertex, captures: Self.vertexCaptures, version: nil).get()
        #expect(stream.sim.stream)
        let custom = try parse(.vertexAnthropic, body, dialect: vertex, captures: ["prefix": "x"], version: nil).get()
        #expect(custom.model == AnthropicDialect.defaultVertexModel)
    }

    @Test func countTokensNeedsNoMaxTokens() throws {
        let parsed = try parse(.anthropicCountTokens, #"{"model":"m","messages":[{"role":"user","content":"hello there"}]}"#).get()
        #expect(parsed.sim.maxTokens == 0)
        let reply = native.render(parsed, schedule: Schedule(completionTokens: 0))
        #expect(try body(reply)["input_tokens"] as? Int == parsed.sim.promptTokens)
    }

    // MARK: Answers

    @Test func rendersAMessage() throws {
        let parsed = try parse(.anthropicMessages, Self.hello).get()
        let reply = native.render(parsed, schedule: Schedule(completionTokens: 7))
        #expect(reply.headers.contains { $0.0 == "request-id" && $0.1.hasPrefix("req_01") })
        let message = try body(reply)
        #expect((message["id"] as? String)?.hasPrefix("msg_01") == true)
        #expect(message["type"] as? String == "message" && message["role"] as? String == "assistant")
        #expect(message["stop_reason"] as? String == "max_tokens")
        let content = try #require(message["content"] as? [[String: Any]])
        #expect(content.count == 1 && content[0]["type"] as? String == "text")
        #expect((content[0]["text"] as? String)?.split(separator: " ").count == 7)
        let usage = try #require(message["usage"] as? [String: Any])
        #expect(usage["input_tokens"] as? Int == parsed.sim.promptTokens && usage["output_tokens"] as? Int == 7)
        #expect(usage["cache_creation_input_tokens"] as? Int == 0 && usage["cache_read_input_tokens"] as? Int == 0)
        let shorter = try body(native.render(parsed, schedule: Schedule(completionTokens: 5)))
        #expect(shorter["stop_reason"] as? String == "end_turn")
    }

    @Test func streamsTheExactEventSequence() throws {
        var parsed = try parse(.anthropicMessages, Self.hello).get()
        parsed.sim.stream = true
        let reply = native.render(parsed, schedule: Schedule(completionTokens: 3))
        #expect(reply.headers[0].1.hasPrefix("text/event-stream"))
        let events = try events(reply)
        #expect(
            events.map(\.0) == [
                "message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta",
                "content_block_delta", "content_block_stop", "message_delta", "message_stop",
            ])
        for (name, data) in events { #expect(data["type"] as? String == name) }
        let text = events.compactMap { ($0.1["delta"] as? [String: Any])?["text"] as? String }.joined()
        #expect(text == "Lorem ipsum dolor")
        let delta = events[7].1
        #expect((delta["delta"] as? [String: Any])?["stop_reason"] as? String == "end_turn")
        #expect((delta["usage"] as? [String: Any])?["output_tokens"] as? Int == 3)
        guard case .stream(let stream) = reply.body else { return }
        #expect(stream.pacedEvents == 3)
    }

    @Test func aBrokenStreamEndsWithAnOverloadedError() throws {
        var parsed = try parse(.anthropicMessages, Self.hello).get()
        parsed.sim.stream = true
        guard case .stream(var stream) = native.render(parsed, schedule: Schedule(completionTokens: 3)).body else {
            Issue.record("not a stream")
            return
        }
        _ = stream.next()
        let failure = String(decoding: stream.failure(), as: UTF8.self)
        #expect(
            failure == "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n")
        #expect(stream.next() == nil)
    }

    @Test(arguments: [
        (400, "invalid_request_error"), (401, "authentication_error"), (403, "permission_error"), (404, "not_found_error"),
        (413, "request_too_large"), (429, "rate_limit_error"), (500, "api_error"), (529, "overloaded_error"), (503, "api_error"),
    ])
    func errorsUseTheEnvelopeAndTypeMap(status: Int, type: String) throws {
        let reply = native.render(native.error(.injected(status: status, retryAfter: nil)))
        #expect(reply.status == status)
        let envelope = try body(reply)
        #expect(envelope["type"] as? String == "error")
        #expect((envelope["error"] as? [String: Any])?["type"] as? String == type)
        let requestID = try #require(envelope["request_id"] as? String)
        #expect(reply.headers.contains { $0 == ("request-id", requestID) })
        #expect(reply.headers.contains { $0.0 == "retry-after" } == (status == 429))
    }

    @Test func aRejectionCarriesTheRateLimitHeaders() throws {
        let parsed = try parse(.anthropicMessages, Self.hello).get()
        let quota = QuotaStatus(limitRequests: 50, remainingRequests: 0, resetRequests: 1.2, limitTokens: 1000, remainingTokens: 10, resetTokens: 30)
        let reply = native.render(Rejection(kind: .requests, retryAfter: 1.2, quota: quota, routeName: "r"), for: parsed)
        let headers = Dictionary(reply.headers, uniquingKeysWith: { a, _ in a })
        #expect(reply.status == 429 && headers["retry-after"] == "2")
        #expect(headers["anthropic-ratelimit-requests-limit"] == "50" && headers["anthropic-ratelimit-requests-remaining"] == "0")
        for family in ["tokens", "input-tokens", "output-tokens"] {
            #expect(headers["anthropic-ratelimit-\(family)-limit"] == "1000")
            #expect(headers["anthropic-ratelimit-\(family)-remaining"] == "10")
        }
        let reset = try #require(headers["anthropic-ratelimit-requests-reset"])
        #expect(reset.count == 20 && reset.hasSuffix("Z") && reset.dropFirst(10).first == "T")
        #expect(AnthropicDialect.resetTime(now: 0, after: 1.2) == "1970-01-01T00:00:02Z")
        #expect(((try body(reply))["error"] as? [String: Any])?["type"] as? String == "rate_limit_error")
    }

    @Test func vertexRefusesInGooglesWords() throws {
        let parsed = try parse(
            .vertexAnthropic, #"{"anthropic_version":"v","max_tokens":3,"messages":[{"role":"user","content":"hi"}]}"#,
            dialect: vertex, captures: Self.vertexCaptures, version: nil
        ).get()
        let rejection = vertex.render(Rejection(kind: .requests, retryAfter: 1, quota: QuotaStatus(limitRequests: 1), routeName: "r"), for: parsed)
        #expect(((try body(rejection))["error"] as? [String: Any])?["status"] as? String == "RESOURCE_EXHAUSTED")
        let unauthenticated = vertex.render(vertex.error(.injected(status: 401, retryAfter: nil)))
        #expect(((try body(unauthenticated))["error"] as? [String: Any])?["status"] as? String == "UNAUTHENTICATED")
        let overloaded = vertex.render(vertex.error(.injected(status: 529, retryAfter: nil)))
        #expect(((try body(overloaded))["error"] as? [String: Any])?["type"] as? String == "overloaded_error")
    }

    @Test func listsModelsInAnthropicsShape() throws {
        let list = try json(AnthropicModels.render(model: nil))
        let data = try #require(list["data"] as? [[String: Any]])
        #expect(data.first?["type"] as? String == "model" && list["has_more"] as? Bool == false)
        #expect(list["first_id"] as? String == data.first?["id"] as? String)
        let one = try json(AnthropicModels.render(model: "claude-x"))
        #expect(one["id"] as? String == "claude-x" && one["display_name"] != nil && one["created_at"] != nil)
    }

    @Test func aMalformedAnswerIsNotJSON() throws {
        var parsed = try parse(.anthropicMessages, Self.hello).get()
        guard case .full(let whole) = native.renderMalformed(parsed).body else { throw Failure.notFull }
        #expect((try? JSONSerialization.jsonObject(with: Data(whole))) == nil)
        parsed.sim.stream = true
        guard case .full(let stream) = native.renderMalformed(parsed).body else { throw Failure.notFull }
        let text = String(decoding: stream, as: UTF8.self)
        #expect(text.hasPrefix("event: message_start\n") && text.hasSuffix("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
        let delta = try #require(text.components(separatedBy: "\n\n").first { $0.hasPrefix("event: content_block_delta") })
        #expect((try? JSONSerialization.jsonObject(with: Data(delta.dropFirst(delta.distance(from: delta.startIndex, to: delta.range(of: "data: ")!.upperBound)).utf8))) == nil)
    }
}
