import DecoyEngine

/// One Messages API answer: everything the whole body and the stream's events are made of.
struct AnthropicMessage: Sendable {
    let id: ResponseID
    let model: String
    let inputTokens: Int
    let tokens: Int
    let stopReason: StaticString
    let text: TextGenerator

    /// `idPrefix`: Bedrock's Claude message ids start `msg_bdrk_01`.
    init(request: borrowing ParsedRequest, tokens: Int, text: TextGenerator, idPrefix: StaticString = "msg_01") {
        id = ResponseID(idPrefix, length: 22)
        model = request.model
        inputTokens = request.sim.promptTokens
        self.tokens = tokens
        stopReason = request.sim.maxTokens == tokens ? "max_tokens" : "end_turn"
        self.text = text
    }

    /// The non-stream body.
    func render() -> [UInt8] {
        let content = text.jsonLiteral(tokens: tokens)
        var out: [UInt8] = []
        out.reserveCapacity(384 + content.count + model.utf8.count)
        appendHead(to: &out)
        out.append("[{\"type\":\"text\",\"text\":")
        content.append(to: &out)
        out.append("}],\"stop_reason\":\"")
        out.append(stopReason)
        out.append("\",\"stop_sequence\":null,")
        appendUsage(output: tokens, to: &out)
        out.append("}")
        return out
    }

    /// `{"id":…,"type":"message","role":"assistant","model":…,"content":` — the start of the body and
    /// of `message_start`'s message.
    func appendHead(to out: inout [UInt8]) {
        out.append("{\"id\":\"")
        id.append(to: &out)
        out.append("\",\"type\":\"message\",\"role\":\"assistant\",\"model\":")
        out.append(jsonString: model)
        out.append(",\"content\":")
    }

    /// `"usage":{…}` with the cache fields the API always writes; a message's (not `message_delta`'s)
    /// also names the service tier.
    func appendUsage(output: Int, tier: Bool = true, to out: inout [UInt8]) {
        out.append("\"usage\":{\"input_tokens\":")
        out.append(int: inputTokens)
        out.append(",\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":")
        out.append(int: output)
        out.append(tier ? ",\"service_tier\":\"standard\"}" : "}")
    }
}
