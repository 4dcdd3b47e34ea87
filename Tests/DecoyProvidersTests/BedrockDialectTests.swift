import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyProviders

/// The Bedrock dialect reads what boto3 and LiteLLM send and writes what botocore parses: Converse's
/// shapes, Anthropic's bodies for InvokeModel, event-stream frames, AWS's error headers.
@Suite struct BedrockDialectTests {
    let dialect = BedrockDialect()

    static let model = "anthropic.claude-3-5-sonnet-20240620-v1:0"
    static let converse = #"{"messages":[{"role":"user","content":[{"text":"hello there"}]}],"system":[{"text":"be brief"}],"inferenceConfig":{"maxTokens":5}}"#
    static let claude = #"{"anthropic_version":"bedrock-2023-05-31","max_tokens":5,"messages":[{"role":"user","content":"hello there"}]}"#

    func parse(_ endpoint: Endpoint, _ body: String, model: Substring = "anthropic.claude-3-5-sonnet-20240620-v1%3A0")
        throws(ProviderError) -> ParsedRequest
    {
        try dialect.parse(
            RequestHead(method: "POST", path: "/model/\(model)/x", endpoint: endpoint, captures: ["model": model], apiKey: "AKID"),
            body: Array(body.utf8))
    }

    func failure(_ endpoint: Endpoint, _ body: String) -> ProviderError? {
        do {
            _ = try parse(endpoint, body)
            return nil
        } catch {
            return error
        }
    }

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func schedule(tokens: Int) -> Schedule {
        Schedule(firstByteNanos: 20_000_000, completionTokens: tokens, gaps: GapSampler(distribution: .fixed(0.005), rng: SplitMix64(seed: 1)))
    }

    /// The messages a script writes, decoded.
    func frames(_ script: ResponseScript) throws -> [EventStreamDecoder.Message] {
        try EventStreamDecoder.messages(script.transcript().bytes)
    }

    // MARK: Reading requests

    @Test(arguments: [
        ("anthropic.claude-3-5-sonnet-20240620-v1%3A0", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Ainference-profile%2Fus.anthropic.claude", "arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude"),
        ("odd%zz%4", "odd%zz%4"),
    ])
    func theModelIdIsPercentDecoded(path: String, model: String) throws {
        let parsed = try parse(.bedrockConverse, Self.converse, model: path[...])
        #expect(parsed.model == model && parsed.sim.model == model)
    }

    @Test func aConverseRequestIsRead() throws {
        let parsed = try parse(.bedrockConverse, Self.converse)
        #expect(parsed.sim.maxTokens == 5 && !parsed.sim.stream && parsed.sim.promptTokens > 3)
        #expect(parsed.sim.apiKey == "AKID" && parsed.echo == "hello there")
        #expect(try parse(.bedrockConverseStream, Self.converse).sim.stream)
    }

    @Test func converseRequestsAreValidated() {
        #expect(failure(.bedrockConverse, "{")?.type == "ValidationException")
        #expect(failure(.bedrockConverse, #"{"messages":[]}"#)?.message.hasPrefix("A conversation must start with a user message") == true)
        let role = failure(.bedrockConverse, #"{"messages":[{"role":"robot","content":[]}]}"#)
        #expect(role?.status == 400)
        #expect(role?.message == "1 validation error detected: Value 'robot' at 'messages.1.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]")
        let cap = failure(.bedrockConverse, #"{"messages":[{"role":"user","content":[{"text":"x"}]}],"inferenceConfig":{"maxTokens":0}}"#)
        #expect(cap?.message.contains("'inferenceConfig.maxTokens'") == true)
    }

    @Test func anInvokeBodyIsAnthropicsWithTheModelFromThePath() throws {
        let parsed = try parse(.bedrockInvokeStream, Self.claude)
        #expect(parsed.model == Self.model && parsed.sim.maxTokens == 5 && parsed.sim.stream)
        #expect(try !parse(.bedrockInvoke, Self.claude).sim.stream)
        let missing = failure(.bedrockInvoke, #"{"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
        #expect(missing?.type == "ValidationException" && missing?.message.contains("anthropic_version") == true)
    }

    @Test func countTokensReadsEitherInput() throws {
        let converse = try parse(.bedrockCountTokens, #"{"input":{"converse":{"messages":[{"role":"user","content":[{"text":"hello there"}]}]}}}"#)
        #expect(converse.sim.promptTokens > 0 && converse.sim.maxTokens == 0)
        var encoded: [UInt8] = []
        Base64.append(Array(Self.claude.utf8), to: &encoded)
        let invoke = try parse(.bedrockCountTokens, #"{"input":{"invokeModel":{"body":""# + String(decoding: encoded, as: UTF8.self) + #""}}}"#)
        #expect(invoke.sim.promptTokens == converse.sim.promptTokens && invoke.sim.maxTokens == 0)
        #expect(failure(.bedrockCountTokens, #"{"input":{}}"#)?.status == 400)
        let reply = dialect.render(invoke, schedule: schedule(tokens: 0))
        guard case .full(let body) = reply.body else { throw Failure.notFull }
        #expect(try json(body)["inputTokens"] as? Int == invoke.sim.promptTokens)
    }

    enum Failure: Error { case notFull }

    // MARK: Answers

    @Test func aConverseBody() throws {
        let parsed = try parse(.bedrockConverse, Self.converse)
        let reply = dialect.render(parsed, schedule: schedule(tokens: 5))
        guard case .full(let bytes) = reply.body else { throw Failure.notFull }
        let body = try json(bytes)
        let message = try #require((body["output"] as? [String: Any])?["message"] as? [String: Any])
        #expect(message["role"] as? String == "assistant")
        #expect(((message["content"] as? [[String: Any]])?.first?["text"] as? String)?.split(separator: " ").count == 5)
        #expect(body["stopReason"] as? String == "max_tokens")
        let usage = try #require(body["usage"] as? [String: Int])
        #expect(usage["outputTokens"] == 5 && usage["totalTokens"] == usage["inputTokens"]! + 5)
        #expect((body["metrics"] as? [String: Int])?["latencyMs"] == 45)  // 20 ms, then 5 gaps of 5 ms
        let headers = Dictionary(reply.headers, uniquingKeysWith: { a, _ in a })
        #expect(headers["content-type"] == "application/json" && headers["x-amzn-RequestId"]?.count == 36)
        #expect(try json(dialect.render(parsed, schedule: schedule(tokens: 3)).fullBody)["stopReason"] as? String == "end_turn")
    }

    @Test func aConverseStreamIsFramedEvents() throws {
        let parsed = try parse(.bedrockConverseStream, Self.converse)
        let script = dialect.script(.serve(schedule(tokens: 3)), for: parsed)
        #expect(script.headers.first?.1 == "application/vnd.amazon.eventstream")
        let messages = try frames(script)
        #expect(messages.map { $0.string(":event-type") } == [
            "messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata",
        ])
        #expect(messages.allSatisfy { $0.string(":message-type") == "event" && $0.string(":content-type") == "application/json" })
        #expect(String(decoding: messages[0].payload, as: UTF8.self) == #"{"role":"assistant"}"#)
        #expect(String(decoding: messages[2].payload, as: UTF8.self) == #"{"contentBlockIndex":0,"delta":{"text":" ipsum"}}"#)
        #expect(String(decoding: messages[5].payload, as: UTF8.self) == #"{"stopReason":"end_turn"}"#)
        let metadata = try json(messages[6].payload)
        #expect((metadata["usage"] as? [String: Int])?["outputTokens"] == 3)
        #expect((metadata["metrics"] as? [String: Int])?["latencyMs"] == 35)
    }

    @Test func aConverseStreamErrorIsAnExceptionMessage() throws {
        let parsed = try parse(.bedrockConverseStream, Self.converse)
        let messages = try frames(dialect.script(.fault(.streamError, schedule: schedule(tokens: 10)), for: parsed))
        #expect(messages.filter { $0.string(":event-type") == "contentBlockDelta" }.count == 5)
        let last = try #require(messages.last)
        #expect(last.string(":message-type") == "exception" && last.string(":exception-type") == "internalServerException")
        #expect(try json(last.payload)["message"] is String)
    }

    @Test func anInvokeStreamWrapsAnthropicsEventsInChunks() throws {
        let parsed = try parse(.bedrockInvokeStream, Self.claude)
        let script = dialect.script(.serve(schedule(tokens: 2)), for: parsed)
        #expect(script.headers.contains { $0 == ("X-Amzn-Bedrock-Content-Type", "application/json") })
        let messages = try frames(script)
        #expect(messages.allSatisfy { $0.string(":event-type") == "chunk" })
        let events = try messages.map { message in
            let encoded = try #require(try json(message.payload)["bytes"] as? String)
            return try json(try #require(Base64.decode(encoded)))
        }
        #expect(events.map { $0["type"] as? String } == [
            "message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta",
            "message_stop",
        ])
        let metrics = try #require(events.last?["amazon-bedrock-invocationMetrics"] as? [String: Int])
        #expect(metrics["outputTokenCount"] == 2 && metrics["firstByteLatency"] == 20 && metrics["invocationLatency"] == 30)
        let broken = try frames(dialect.script(.fault(.streamError, schedule: schedule(tokens: 4)), for: parsed))
        #expect(broken.last?.string(":exception-type") == "modelStreamErrorException")
    }

    @Test func anInvokeBodyIsAnthropicsMessageWithBedrocksHeaders() throws {
        let parsed = try parse(.bedrockInvoke, Self.claude)
        let reply = dialect.render(parsed, schedule: schedule(tokens: 5))
        let body = try json(reply.fullBody)
        #expect(body["type"] as? String == "message" && body["model"] as? String == Self.model)
        #expect((body["id"] as? String)?.hasPrefix("msg_bdrk_01") == true)
        let headers = Dictionary(reply.headers, uniquingKeysWith: { a, _ in a })
        #expect(headers["X-Amzn-Bedrock-Output-Token-Count"] == "5")
        #expect(headers["X-Amzn-Bedrock-Input-Token-Count"] == String(parsed.sim.promptTokens))
    }

    // MARK: Errors

    @Test(arguments: [
        (429, 429, "ThrottlingException"), (503, 503, "ServiceUnavailableException"), (529, 429, "ModelNotReadyException"),
        (400, 400, "ValidationException"), (401, 403, "AccessDeniedException"), (403, 403, "AccessDeniedException"),
        (408, 408, "ModelTimeoutException"), (500, 500, "InternalServerException"),
    ])
    func injectedStatusesAreBedrocksExceptions(injected: Int, status: Int, name: String) throws {
        let reply = dialect.render(dialect.error(.injected(status: injected, retryAfter: nil)))
        #expect(reply.status == status)
        let headers = Dictionary(reply.headers, uniquingKeysWith: { a, _ in a })
        #expect(headers["x-amzn-ErrorType"] == name + ":http://internal.amazon.com/coral/com.amazon.bedrock/")
        #expect(headers["x-amzn-RequestId"]?.count == 36 && headers["retry-after"] == nil)
        #expect(try json(reply.fullBody).keys.sorted() == ["message"])
    }

    @Test func aRejectionIsThrottling() throws {
        let parsed = try parse(.bedrockConverse, Self.converse)
        var rejection = Rejection(kind: .tokens, retryAfter: 1.5, quota: QuotaStatus(limitTokens: 10), routeName: "r")
        let reply = dialect.render(rejection, for: parsed)
        #expect(reply.status == 429 && !reply.headers.contains { $0.0 == "retry-after" })
        #expect(try json(reply.fullBody)["message"] as? String == "Too many tokens, please wait before trying again.")
        rejection.retryAfterHeader = .header
        #expect(dialect.render(rejection, for: parsed).headers.contains { $0 == ("retry-after", "2") })
    }

    @Test func theEnginesAuthRefusalIsCountedAsThe403ItIs() throws {
        let parsed = try parse(.bedrockConverse, Self.converse)
        let script = dialect.script(.error(status: 401, retryAfter: nil, schedule: schedule(tokens: 1)), for: parsed)
        #expect(script.status == 403 && script.record.status == 403)
    }

    @Test func malformedAnswersAreSoundFramesWithCutJSON() throws {
        let parsed = try parse(.bedrockConverseStream, Self.converse)
        let messages = try frames(dialect.script(.fault(.malformed, schedule: schedule(tokens: 3)), for: parsed))
        #expect(messages.count == 3)
        #expect((try? JSONSerialization.jsonObject(with: Data(messages[1].payload))) == nil)
    }

    @Test func pathsRouteToBedrock() {
        let paths = Catalog.paths.filter { $0.dialect is BedrockDialect }
        #expect(Set(paths.map(\.endpoint)) == [.bedrockConverse, .bedrockConverseStream, .bedrockInvoke, .bedrockInvokeStream, .bedrockCountTokens])
        let converse = paths.first { $0.endpoint == .bedrockConverse }
        #expect(converse?.pattern.match("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse")?["model"] == "anthropic.claude-3-5-sonnet-20240620-v1%3A0")
        #expect(Catalog.dialect(guessedFrom: "/model/x/nothing") is BedrockDialect)
    }
}

extension Reply {
    /// A whole body's bytes (empty for a stream).
    var fullBody: [UInt8] {
        if case .full(let bytes) = body { return bytes }
        return []
    }
}
