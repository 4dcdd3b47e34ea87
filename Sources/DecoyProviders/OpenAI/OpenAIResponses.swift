/// `POST /v1/responses`: the Responses API object, whole or as its stream of typed events.
struct OpenAIResponse: Sendable {
    let id: String
    let messageID: String
    let created: Int
    var model: String
    let inputTokens: Int
    let tokens: Int
    let maxOutputTokens: Int?
    let text: TextGenerator

    init(request: borrowing ParsedRequest, tokens: Int, text: TextGenerator) {
        id = Identifiers.make("resp_", length: 48)
        messageID = Identifiers.make("msg_", length: 48)
        created = Identifiers.now()
        model = request.model
        inputTokens = request.sim.promptTokens
        self.tokens = tokens
        maxOutputTokens = request.sim.maxTokens
        self.text = text
    }

    /// What a response that fails midway says (OpenAI's wording for a server error).
    static let failureMessage = "The server had an error while processing your request. Sorry about that!"

    /// Whether the answer was cut by `max_output_tokens`.
    var incomplete: Bool { maxOutputTokens == tokens }

    /// The whole response object; `status` is `completed` (or `incomplete`), `in_progress` while
    /// streaming, or `failed` with the server error that ended a stream (`stream_error`).
    func render(inProgress: Bool = false, failed: Bool = false) -> [UInt8] {
        let inProgress = inProgress || failed  // a failed response has no output or usage either
        var out: [UInt8] = []
        out.append("{\"id\":\"")
        out.append(raw: id)
        out.append("\",\"object\":\"response\",\"created_at\":")
        out.append(int: created)
        if failed {
            out.append(",\"status\":\"failed\",\"background\":false,\"error\":{\"code\":\"server_error\",\"message\":")
            out.append(jsonString: Self.failureMessage)
            out.append("},\"incomplete_details\":null")
        } else if inProgress {
            out.append(",\"status\":\"in_progress\",\"background\":false,\"error\":null,\"incomplete_details\":null")
        } else if incomplete {
            out.append(",\"status\":\"incomplete\",\"background\":false,\"error\":null,\"incomplete_details\":{\"reason\":\"max_output_tokens\"}")
        } else {
            out.append(",\"status\":\"completed\",\"background\":false,\"error\":null,\"incomplete_details\":null")
        }
        out.append(",\"instructions\":null,\"max_output_tokens\":")
        if let maxOutputTokens { out.append(int: maxOutputTokens) } else { out.append("null") }
        out.append(",\"model\":")
        out.append(jsonString: model)
        out.append(",\"output\":[")
        if !inProgress { appendMessage(completed: true, to: &out) }
        out.append(
            "],\"parallel_tool_calls\":true,\"previous_response_id\":null,\"reasoning\":{\"effort\":null,\"summary\":null},\"service_tier\":\"default\",\"store\":true,\"temperature\":1.0,\"text\":{\"format\":{\"type\":\"text\"},\"verbosity\":\"medium\"},\"tool_choice\":\"auto\",\"tools\":[],\"top_p\":1.0,\"truncation\":\"disabled\",\"usage\":")
        if inProgress {
            out.append("null")
        } else {
            out.append("{\"input_tokens\":")
            out.append(int: inputTokens)
            out.append(",\"input_tokens_details\":{\"cached_tokens\":0},\"output_tokens\":")
            out.append(int: tokens)
            out.append(",\"output_tokens_details\":{\"reasoning_tokens\":0},\"total_tokens\":")
            out.append(int: inputTokens + tokens)
            out.append("}")
        }
        out.append(",\"user\":null,\"metadata\":{}}")
        return out
    }

    /// The assistant message item: empty and in progress, or complete with its text.
    func appendMessage(completed: Bool, to out: inout [UInt8]) {
        out.append("{\"id\":\"")
        out.append(raw: messageID)
        out.append(completed ? "\",\"type\":\"message\",\"status\":\"completed\",\"content\":[" : "\",\"type\":\"message\",\"status\":\"in_progress\",\"content\":[")
        if completed { appendPart(text: text.text(tokens: tokens), to: &out) }
        out.append("],\"role\":\"assistant\"}")
    }

    func appendPart(text: String, to out: inout [UInt8]) {
        out.append("{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":")
        out.append(jsonString: text)
        out.append("}")
    }
}

/// The Responses API stream: `response.created`, `response.in_progress`, the output item and content
/// part opening, one `response.output_text.delta` per token, their closing events, `response.completed`.
struct ResponsesStream: ReplyStream {
    private let response: OpenAIResponse
    private var step = 0
    private var sequence = 0

    init(_ response: OpenAIResponse) { self.response = response }

    var pacedEvents: Int { response.tokens }

    mutating func next() -> StreamEvent? {
        let r = response
        let deltaStart = 4
        let deltaEnd = deltaStart + r.tokens
        defer { step += 1 }
        var data: [UInt8] = []
        let type: StaticString
        switch step {
        case 0:
            type = "response.created"
            data.append(",\"response\":")
            data.append(contentsOf: r.render(inProgress: true))
        case 1:
            type = "response.in_progress"
            data.append(",\"response\":")
            data.append(contentsOf: r.render(inProgress: true))
        case 2:
            type = "response.output_item.added"
            data.append(",\"output_index\":0,\"item\":")
            r.appendMessage(completed: false, to: &data)
        case 3:
            type = "response.content_part.added"
            appendItemRef(&data)
            data.append(",\"part\":")
            r.appendPart(text: "", to: &data)
        case deltaStart..<deltaEnd:
            type = "response.output_text.delta"
            appendItemRef(&data)
            data.append(",\"delta\":")
            data.append(jsonString: r.text.token(step - deltaStart))
            data.append(",\"logprobs\":[]")
        case deltaEnd:
            type = "response.output_text.done"
            appendItemRef(&data)
            data.append(",\"text\":")
            data.append(jsonString: r.text.text(tokens: r.tokens))
            data.append(",\"logprobs\":[]")
        case deltaEnd + 1:
            type = "response.content_part.done"
            appendItemRef(&data)
            data.append(",\"part\":")
            r.appendPart(text: r.text.text(tokens: r.tokens), to: &data)
        case deltaEnd + 2:
            type = "response.output_item.done"
            data.append(",\"output_index\":0,\"item\":")
            r.appendMessage(completed: true, to: &data)
        case deltaEnd + 3:
            type = r.incomplete ? "response.incomplete" : "response.completed"
            data.append(",\"response\":")
            data.append(contentsOf: r.render())
        default:
            return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 96)
        out.append("event: ")
        out.append(type)
        out.append("\ndata: {\"type\":\"")
        out.append(type)
        out.append("\",\"sequence_number\":")
        out.append(int: sequence)
        out.append(contentsOf: data)
        out.append("}\n\n")
        sequence += 1
        return StreamEvent(bytes: out, paced: (deltaStart..<deltaEnd).contains(step))
    }

    /// As the Responses API fails a stream: an `error` event, then `response.failed` with the response
    /// object in status `failed` carrying the error (not the chat-completions `data: {"error":…}` frame).
    mutating func failure() -> [UInt8] {
        var out: [UInt8] = []
        out.append("event: error\ndata: {\"type\":\"error\",\"code\":\"server_error\",\"message\":")
        out.append(jsonString: OpenAIResponse.failureMessage)
        out.append(",\"param\":null,\"sequence_number\":")
        out.append(int: sequence)
        out.append("}\n\nevent: response.failed\ndata: {\"type\":\"response.failed\",\"sequence_number\":")
        out.append(int: sequence + 1)
        out.append(",\"response\":")
        out.append(contentsOf: response.render(failed: true))
        out.append("}\n\n")
        sequence += 2
        step = Int.max / 2  // over: `next()` has nothing more
        return out
    }

    private func appendItemRef(_ out: inout [UInt8]) {
        out.append(",\"item_id\":\"")
        out.append(raw: response.messageID)
        out.append("\",\"output_index\":0,\"content_index\":0")
    }
}
