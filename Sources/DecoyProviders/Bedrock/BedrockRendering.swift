import DecoyEngine
import DecoyProfile

/// Successful answers: Converse's body, InvokeModel's (Anthropic's Message with Bedrock's token-count
/// headers), CountTokens', and the two event streams.
extension BedrockDialect {
    public func render(_ request: ParsedRequest, schedule: Schedule) -> Reply {
        let tokens = schedule.completionTokens
        let text = TextGenerator(content: schedule.content, for: request)
        // The answer's planned time, as `metrics.latencyMs` and the invocation metrics report it: the
        // same draws the Responder makes, from a copy of the schedule's sampler.
        var planned = schedule
        let latencyMs = Int(planned.nonStreamDelayNanos() / 1_000_000)
        let firstByteMs = Int(schedule.firstByteNanos / 1_000_000)
        switch request.sim.endpoint {
        case .bedrockCountTokens:
            var body: [UInt8] = []
            body.append("{\"inputTokens\":")
            body.append(int: request.sim.promptTokens)
            body.append("}")
            return Reply(status: 200, headers: Self.jsonHeaders(), body: .full(body))
        case .bedrockInvoke, .bedrockInvokeStream:
            let message = AnthropicMessage(request: request, tokens: tokens, text: text, idPrefix: "msg_bdrk_01")
            guard request.sim.stream else {
                var headers = Self.jsonHeaders()
                headers.append(("X-Amzn-Bedrock-Invocation-Latency", String(latencyMs)))
                headers.append(("X-Amzn-Bedrock-Output-Token-Count", String(tokens)))
                headers.append(("X-Amzn-Bedrock-Input-Token-Count", String(request.sim.promptTokens)))
                return Reply(status: 200, headers: headers, body: .full(message.render()))
            }
            let events = MessageStream(message, bare: true, latencies: (firstByteMs, latencyMs))
            return Reply(status: 200, headers: Self.streamHeaders(invoke: true), body: .stream(InvokeStream(events)))
        default:
            let answer = Converse(
                inputTokens: request.sim.promptTokens, tokens: tokens,
                stopReason: request.sim.maxTokens == tokens ? "max_tokens" : "end_turn", text: text, latencyMs: latencyMs)
            guard request.sim.stream else { return Reply(status: 200, headers: Self.jsonHeaders(), body: .full(answer.render())) }
            return Reply(status: 200, headers: Self.streamHeaders(invoke: false), body: .stream(ConverseStream(answer)))
        }
    }

    static func jsonHeaders() -> [(String, String)] {
        [("content-type", "application/json"), ("x-amzn-RequestId", Identifiers.uuid())]
    }

    /// An event stream's: InvokeModelWithResponseStream also names its chunks' content type
    /// (`X-Amzn-Bedrock-Content-Type`, the response's `contentType` in the service model).
    static func streamHeaders(invoke: Bool) -> [(String, String)] {
        var headers: [(String, String)] = [
            ("content-type", "application/vnd.amazon.eventstream"), ("x-amzn-RequestId", Identifiers.uuid()),
        ]
        if invoke { headers.append(("X-Amzn-Bedrock-Content-Type", "application/json")) }
        return headers
    }
}

/// One Converse answer: everything its body and its stream's events are made of.
struct Converse: Sendable {
    let inputTokens: Int
    let tokens: Int
    let stopReason: StaticString
    let text: TextGenerator
    let latencyMs: Int

    /// `{"metrics":…,"output":{"message":{"content":[{"text":…}],"role":"assistant"}},"stopReason":…,"usage":…}`
    func render() -> [UInt8] {
        let content = text.jsonLiteral(tokens: tokens)
        var out: [UInt8] = []
        out.reserveCapacity(224 + content.count)
        out.append("{\"metrics\":{\"latencyMs\":")
        out.append(int: latencyMs)
        out.append("},\"output\":{\"message\":{\"content\":[{\"text\":")
        content.append(to: &out)
        out.append("}],\"role\":\"assistant\"}},\"stopReason\":\"")
        out.append(stopReason)
        out.append("\",")
        appendUsage(to: &out)
        out.append("}")
        return out
    }

    /// `"usage":{"inputTokens":…,"outputTokens":…,"totalTokens":…}`
    func appendUsage(to out: inout [UInt8]) {
        out.append("\"usage\":{\"inputTokens\":")
        out.append(int: inputTokens)
        out.append(",\"outputTokens\":")
        out.append(int: tokens)
        out.append(",\"totalTokens\":")
        out.append(int: inputTokens + tokens)
        out.append("}")
    }
}
