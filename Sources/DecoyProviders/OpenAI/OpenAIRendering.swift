import DecoyEngine
import DecoyProfile

/// Successful answers: the dispatch to each endpoint's renderer and the parts they share.
extension OpenAIDialect {
    public func render(_ request: ParsedRequest, schedule: Schedule) -> Reply {
        var headers = baseHeaders()
        if let quota = schedule.quota { headers.append(contentsOf: rateLimitHeaders(quota)) }
        let text = TextGenerator(content: schedule.content, for: request)
        switch request.sim.endpoint {
        case .openaiModels:
            return Reply(status: 200, headers: headers, body: .full(OpenAIModels.render(model: request.sim.model)))
        case .openaiEmbeddings, .azureEmbeddings:
            return Reply(status: 200, headers: headers, body: .full(OpenAIEmbeddings.render(request, model: schedule.model)))
        case .openaiResponses:
            var response = OpenAIResponse(request: request, tokens: schedule.completionTokens, text: text)
            if let model = schedule.model { response.model = model }
            guard request.sim.stream else { return Reply(status: 200, headers: headers, body: .full(response.render())) }
            return Reply(status: 200, headers: Self.streamHeaders(quota: headers), body: .stream(ResponsesStream(response)))
        case .openaiCompletions, .azureCompletions:
            let completion = Completion(request: request, schedule: schedule, text: text, kind: .text, azure: azure)
            guard request.sim.stream else { return Reply(status: 200, headers: headers, body: .full(completion.render())) }
            return Reply(status: 200, headers: Self.streamHeaders(quota: headers), body: .stream(CompletionStream(completion)))
        default:
            let completion = Completion(request: request, schedule: schedule, text: text, kind: .chat, azure: azure)
            guard request.sim.stream else { return Reply(status: 200, headers: headers, body: .full(completion.render())) }
            return Reply(status: 200, headers: Self.streamHeaders(quota: headers), body: .stream(CompletionStream(completion)))
        }
    }

    /// SSE headers, keeping all but the content type of `headers` (ids, `x-ratelimit-*`).
    static func streamHeaders(quota headers: [(String, String)]) -> [(String, String)] {
        var out: [(String, String)] = [("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "no-cache")]
        out.append(contentsOf: headers.dropFirst())
        return out
    }

    /// `"usage":{…}` in the chat/completions shape.
    static func appendUsage(prompt: Int, completion: Int, to out: inout [UInt8]) {
        out.append("\"usage\":{\"prompt_tokens\":")
        out.append(int: prompt)
        out.append(",\"completion_tokens\":")
        out.append(int: completion)
        out.append(",\"total_tokens\":")
        out.append(int: prompt + completion)
        out.append(
            ",\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}"
        )
    }
}

/// A chat or legacy text completion: everything both the whole body and the stream are made of.
struct Completion: Sendable {
    enum Kind: Sendable { case chat, text }
    let kind: Kind
    let id: ResponseID
    let created: Int
    let model: String
    let promptTokens: Int
    let tokens: Int
    let choices: Int
    let includeUsage: Bool
    let finishReason: StaticString
    let text: TextGenerator
    /// Azure OpenAI's content-filter annotations: `prompt_filter_results` and each choice's
    /// `content_filter_results`.
    let azure: Bool

    init(request: borrowing ParsedRequest, schedule: borrowing Schedule, text: TextGenerator, kind: Kind, azure: Bool = false) {
        self.kind = kind
        self.azure = azure
        self.id = kind == .chat ? ResponseID("chatcmpl-", length: 29) : ResponseID("cmpl-", length: 29)
        self.created = Identifiers.now()
        self.model = schedule.model ?? request.model
        self.promptTokens = request.sim.promptTokens
        self.tokens = schedule.completionTokens
        self.choices = max(1, request.sim.choices)
        self.includeUsage = request.includeUsage
        self.finishReason = request.sim.maxTokens == schedule.completionTokens ? "length" : "stop"
        self.text = text
    }

    /// The non-stream body.
    func render() -> [UInt8] {
        let content = text.jsonLiteral(tokens: tokens)
        var out: [UInt8] = []
        out.reserveCapacity(768 + choices * (content.count + 160) + model.utf8.count)
        out.append("{\"id\":\"")
        id.append(to: &out)
        out.append(kind == .chat ? "\",\"object\":\"chat.completion\",\"created\":" : "\",\"object\":\"text_completion\",\"created\":")
        out.append(int: created)
        out.append(",\"model\":")
        out.append(jsonString: model)
        out.append(",\"choices\":[")
        for index in 0..<choices {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            if kind == .chat {
                out.append("{\"index\":")
                out.append(int: index)
                out.append(",\"message\":{\"role\":\"assistant\",\"content\":")
                content.append(to: &out)
                out.append(",\"refusal\":null,\"annotations\":[]},\"logprobs\":null,\"finish_reason\":\"")
            } else {
                out.append("{\"text\":")
                content.append(to: &out)
                out.append(",\"index\":")
                out.append(int: index)
                out.append(",\"logprobs\":null,\"finish_reason\":\"")
            }
            out.append(finishReason)
            out.append(azure ? "\",\"content_filter_results\":" : "\"}")
            if azure {
                out.append(contentsOf: AzureContentFilter.safe)
                out.append(UInt8(ascii: "}"))
            }
        }
        out.append("],")
        if azure {
            out.append("\"prompt_filter_results\":")
            out.append(contentsOf: kind == .chat ? AzureContentFilter.chatPrompt : AzureContentFilter.completionPrompt)
            out.append(UInt8(ascii: ","))
        }
        OpenAIDialect.appendUsage(prompt: promptTokens, completion: tokens * choices, to: &out)
        out.append(",\"service_tier\":\"default\",\"system_fingerprint\":\"")
        out.append(raw: OpenAIDialect.fingerprint)
        out.append("\"}")
        return out
    }

    /// `data: {"id":…,"choices":[` — the start of every stream chunk.
    func chunkPrefix() -> [UInt8] {
        var out: [UInt8] = []
        out.append("data: {\"id\":\"")
        id.append(to: &out)
        out.append(kind == .chat ? "\",\"object\":\"chat.completion.chunk\",\"created\":" : "\",\"object\":\"text_completion\",\"created\":")
        out.append(int: created)
        out.append(",\"model\":")
        out.append(jsonString: model)
        out.append(",\"service_tier\":\"default\",\"system_fingerprint\":\"")
        out.append(raw: OpenAIDialect.fingerprint)
        out.append("\",\"choices\":[")
        return out
    }
}

/// A chat or text completion streamed as OpenAI does: a role chunk, one chunk per token and choice,
/// a finish chunk per choice, the usage chunk when asked for, then `data: [DONE]`. Azure OpenAI opens
/// with a chunk of no choices that carries `prompt_filter_results`, and annotates every choice.
struct CompletionStream: ReplyStream {
    private let completion: Completion
    private let prefix: [UInt8]
    private var phase: Phase = .role(0)

    enum Phase: Sendable {
        case promptFilter
        case role(Int)
        case token(Int, choice: Int)
        case finish(Int)
        case usage
        case done
        case ended
    }

    init(_ completion: Completion) {
        self.completion = completion
        self.prefix = completion.chunkPrefix()
        if completion.kind == .text { phase = completion.tokens > 0 ? .token(0, choice: 0) : .finish(0) }
        if completion.azure { phase = .promptFilter }
    }

    var pacedEvents: Int { completion.tokens }

    mutating func next() -> StreamEvent? {
        let c = completion
        switch phase {
        case .promptFilter:
            phase = c.kind == .text ? (c.tokens > 0 ? .token(0, choice: 0) : .finish(0)) : .role(0)
            var out: [UInt8] = []
            out.append("data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\",\"prompt_filter_results\":")
            out.append(contentsOf: c.kind == .chat ? AzureContentFilter.chatPrompt : AzureContentFilter.completionPrompt)
            out.append("}\n\n")
            return StreamEvent(bytes: out, paced: false)
        case .role(let choice):
            phase = choice + 1 < c.choices ? .role(choice + 1) : (c.tokens > 0 ? .token(0, choice: 0) : .finish(0))
            return StreamEvent(bytes: chunk(choice: choice, delta: "{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", finish: nil), paced: false)
        case .token(let t, let choice):
            phase = choice + 1 < c.choices ? .token(t, choice: choice + 1) : (t + 1 < c.tokens ? .token(t + 1, choice: 0) : .finish(0))
            return StreamEvent(bytes: tokenChunk(t, choice: choice), paced: choice == 0)
        case .finish(let choice):
            phase = choice + 1 < c.choices ? .finish(choice + 1) : (c.includeUsage ? .usage : .done)
            return StreamEvent(bytes: chunk(choice: choice, delta: "{}", finish: c.finishReason), paced: false)
        case .usage:
            phase = .done
            var out = prefix
            out.append("],")
            OpenAIDialect.appendUsage(prompt: c.promptTokens, completion: c.tokens * c.choices, to: &out)
            out.append("}\n\n")
            return StreamEvent(bytes: out, paced: false)
        case .done:
            phase = .ended
            return StreamEvent(bytes: Array("data: [DONE]\n\n".utf8), paced: false)
        case .ended:
            return nil
        }
    }

    mutating func failure() -> [UInt8] {
        phase = .ended
        return OpenAIDialect.streamErrorFrame()
    }

    private func tokenChunk(_ t: Int, choice: Int) -> [UInt8] {
        var out = prefix
        let token = completion.text.token(t)
        if completion.kind == .chat {
            out.append("{\"index\":")
            out.append(int: choice)
            out.append(",\"delta\":{\"content\":")
            out.append(jsonString: token)
            out.append("},\"logprobs\":null,\"finish_reason\":null")
        } else {
            out.append("{\"text\":")
            out.append(jsonString: token)
            out.append(",\"index\":")
            out.append(int: choice)
            out.append(",\"logprobs\":null,\"finish_reason\":null")
        }
        if completion.azure {
            out.append(",\"content_filter_results\":")
            out.append(contentsOf: AzureContentFilter.safe)
        }
        out.append("}]")
        closeChunk(&out)
        return out
    }

    private func chunk(choice: Int, delta: StaticString, finish: StaticString?) -> [UInt8] {
        var out = prefix
        if completion.kind == .chat {
            out.append("{\"index\":")
            out.append(int: choice)
            out.append(",\"delta\":")
            out.append(delta)
            out.append(",\"logprobs\":null,\"finish_reason\":")
        } else {
            out.append("{\"text\":\"\",\"index\":")
            out.append(int: choice)
            out.append(",\"logprobs\":null,\"finish_reason\":")
        }
        if let finish {
            out.append(UInt8(ascii: "\""))
            out.append(finish)
            out.append(UInt8(ascii: "\""))
        } else {
            out.append("null")
        }
        // Azure annotates the role and finish chunks with empty results: no text was checked.
        out.append(completion.azure ? ",\"content_filter_results\":{}}]" : "}]")
        closeChunk(&out)
        return out
    }

    private func closeChunk(_ out: inout [UInt8]) {
        out.append(completion.includeUsage ? ",\"usage\":null}\n\n" : "}\n\n")
    }
}

/// Azure OpenAI's content-filter annotations of a harmless prompt and completion, as its default filter
/// writes them: the four harm categories at `safe`, and the jailbreak shield on a chat prompt.
enum AzureContentFilter {
    static let safe: [UInt8] = Array(
        #"{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}"#
            .utf8)

    /// `prompt_filter_results` of a chat request: one prompt, index 0, with the jailbreak check.
    static let chatPrompt: [UInt8] = Array(
        #"[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]"#
            .utf8)

    /// `prompt_filter_results` of a legacy completion: the harm categories only.
    static let completionPrompt: [UInt8] = Array(#"[{"prompt_index":0,"content_filter_results":"#.utf8) + safe + Array("}]".utf8)
}
