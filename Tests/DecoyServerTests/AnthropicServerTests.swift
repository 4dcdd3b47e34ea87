import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyServer

/// Anthropic's Messages API and Claude on Vertex AI through the real pipeline: the same engine's limits
/// and faults, in Anthropic's envelopes, headers and events.
@Suite struct AnthropicServerTests {
    static let body = #"{"model":"claude-sonnet-4-20250514","max_tokens":1024,"messages":[{"role":"user","content":"hello"}]}"#
    static let streamBody =
        #"{"model":"claude-sonnet-4-20250514","max_tokens":1024,"stream":true,"messages":[{"role":"user","content":"hello"}]}"#
    static let headers = ["x-api-key": "sk-ant-test", "anthropic-version": "2023-06-01"]
    static let vertexPath = "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514"
    static let vertexBody = #"{"anthropic_version":"vertex-2023-10-16","max_tokens":1024,"messages":[{"role":"user","content":"hello"}]}"#

    static func profile(limit: Limit? = nil, errors: [ErrorRule] = []) -> Profile {
        let behavior = Behavior(firstByte: .fixed(0), perToken: .fixed(0), completionTokens: .fixed(4))
        let route = Route(
            name: "anthropic", match: RouteMatch(endpoints: [.anthropicMessages, .vertexAnthropic, .vertexAnthropicStream]),
            behavior: behavior, limit: limit, errors: errors)
        return Profile(name: "anthropic", seed: 1, defaults: behavior, routes: [route])
    }

    func post(_ connection: Connection, _ path: String = "/v1/messages", _ body: String = Self.body, headers: [String: String] = Self.headers)
        throws -> String
    {
        try connection.post(path, body, headers: headers)
        connection.advance(ms: 10)
        return try connection.drain()
    }

    @Test func aMessageIsServed() throws {
        let connection = try Connection(profile: Self.profile())
        let response = try post(connection)
        #expect(response.hasPrefix("HTTP/1.1 200"))
        #expect(response.contains("\r\nrequest-id: req_01"))
        let message = try Connection.jsonBody(response)
        #expect(message["type"] as? String == "message")
        #expect((message["usage"] as? [String: Any])?["output_tokens"] as? Int == 4)
    }

    @Test func theVersionHeaderIsRequired() throws {
        let connection = try Connection(profile: Self.profile())
        let response = try post(connection, headers: ["x-api-key": "k"])
        #expect(response.hasPrefix("HTTP/1.1 400"))
        let error = try #require(try Connection.jsonBody(response)["error"] as? [String: Any])
        #expect(error["type"] as? String == "invalid_request_error")
        #expect(error["message"] as? String == "anthropic-version: header is required")
    }

    @Test func aStreamErrorBreaksTheStreamWithAnErrorEvent() throws {
        let connection = try Connection(profile: Self.profile())
        var headers = Self.headers
        headers["x-decoy-fault"] = "stream_error"
        let response = try post(connection, "/v1/messages", Self.streamBody, headers: headers)
        #expect(response.hasPrefix("HTTP/1.1 200"))
        let text = String(decoding: InBandErrorTests.dechunk(response), as: UTF8.self)
        let names = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: "\n")[0] }
        #expect(names.prefix(3) == ["event: message_start", "event: content_block_start", "event: ping"])
        #expect(names.filter { $0 == "event: content_block_delta" }.count == 2)
        #expect(names.last == "event: error")
        #expect(text.hasSuffix(#"data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"# + "\n\n"))
    }

    @Test func anInjected529IsOverloaded() throws {
        let connection = try Connection(profile: Self.profile(errors: [ErrorRule(trigger: .first(1), outcome: .status(529, retryAfter: nil))]))
        let response = try post(connection)
        #expect(response.hasPrefix("HTTP/1.1 529"))
        let error = try #require(try Connection.jsonBody(response)["error"] as? [String: Any])
        #expect(error["type"] as? String == "overloaded_error")
        #expect(try post(connection).hasPrefix("HTTP/1.1 200"))
        var forced = Self.headers
        forced["x-decoy-fault"] = "529"
        #expect(try post(connection, headers: forced).hasPrefix("HTTP/1.1 529"))
    }

    @Test func aLimitedRouteRefusesWithAnthropicsHeaders() throws {
        let connection = try Connection(profile: Self.profile(limit: Limit(rpm: 60, burst: .count(1))))
        let first = try post(connection)
        #expect(first.hasPrefix("HTTP/1.1 200"))
        #expect(first.contains("\r\nanthropic-ratelimit-requests-limit: 60\r\n"))
        #expect(first.contains("\r\nanthropic-ratelimit-requests-remaining: 0\r\n"))
        let second = try post(connection)
        #expect(second.hasPrefix("HTTP/1.1 429"))
        #expect(second.contains("\r\nretry-after: 1\r\n"))
        #expect(second.contains("\r\nanthropic-ratelimit-requests-reset: "))
        let envelope = try Connection.jsonBody(second)
        #expect((envelope["error"] as? [String: Any])?["type"] as? String == "rate_limit_error")
        #expect((envelope["request_id"] as? String)?.hasPrefix("req_01") == true)
    }

    @Test func modelsAnswerInTheShapeOfWhoAsks() throws {
        let connection = try Connection(profile: Self.profile())
        try connection.get("/v1/models", headers: Self.headers)
        connection.advance(ms: 10)
        let anthropic = try Connection.jsonBody(try connection.drain())
        #expect(anthropic["has_more"] as? Bool == false && anthropic["object"] == nil)
        try connection.get("/v1/models", headers: ["authorization": "Bearer k"])
        connection.advance(ms: 10)
        let openAI = try Connection.jsonBody(try connection.drain())
        #expect(openAI["object"] as? String == "list")
    }

    @Test func claudeOnVertexWantsAnIssuedToken() throws {
        let connection = try Connection(profile: Self.profile())
        let refused = try post(connection, Self.vertexPath + ":rawPredict", Self.vertexBody, headers: ["authorization": "Bearer nope"])
        #expect(refused.hasPrefix("HTTP/1.1 401"))
        #expect((try Connection.jsonBody(refused)["error"] as? [String: Any])?["status"] as? String == "UNAUTHENTICATED")
        let token = try VertexAuthTests.issuedToken(connection)
        let served = try post(connection, Self.vertexPath + ":rawPredict", Self.vertexBody, headers: ["authorization": "Bearer \(token)"])
        #expect(served.hasPrefix("HTTP/1.1 200"))
        #expect(try Connection.jsonBody(served)["model"] as? String == "claude-sonnet-4@20250514")
        let streamed = try post(
            connection, Self.vertexPath + ":streamRawPredict?alt=sse", Self.vertexBody, headers: ["authorization": "Bearer \(token)"])
        let text = String(decoding: InBandErrorTests.dechunk(streamed), as: UTF8.self)
        #expect(text.hasPrefix("event: message_start\n") && text.hasSuffix("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"))
    }

    @Test func vertexPartnersSpeakOpenAIsChatToGoogleTokens() throws {
        let connection = try Connection(profile: Self.profile())
        let location = "/v1/projects/p/locations/us-central1"
        let chat = #"{"model":"meta/llama-3.3-70b-instruct-maas","messages":[{"role":"user","content":"hello"}]}"#
        let refused = try post(connection, location + "/endpoints/openapi/chat/completions", chat, headers: ["authorization": "Bearer nope"])
        #expect(refused.hasPrefix("HTTP/1.1 401"))
        #expect((try Connection.jsonBody(refused)["error"] as? [String: Any])?["status"] as? String == "UNAUTHENTICATED")
        let token = try VertexAuthTests.issuedToken(connection)
        let bearer = ["authorization": "Bearer \(token)"]
        let served = try post(connection, location + "/endpoints/openapi/chat/completions", chat, headers: bearer)
        #expect(try Connection.jsonBody(served)["object"] as? String == "chat.completion")
        let mistral = #"{"messages":[{"role":"user","content":"hello"}]}"#
        let fromPath = try post(connection, location + "/publishers/mistralai/models/mistral-large-2411@001:rawPredict", mistral, headers: bearer)
        #expect(try Connection.jsonBody(fromPath)["model"] as? String == "mistral-large-2411@001")
        let custom = try post(connection, "/deployment-a:rawPredict", mistral, headers: bearer)
        #expect(custom.hasPrefix("HTTP/1.1 400"))  // a chat with no model anywhere: OpenAI's 400, from the Mistral handover
        #expect(custom.contains("you must provide a model parameter"))
    }
}
