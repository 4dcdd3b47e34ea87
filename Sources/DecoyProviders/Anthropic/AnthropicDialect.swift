import DecoyEngine
import DecoyProfile

/// Anthropic's Messages API as api.anthropic.com answers it, and as Vertex AI serves Claude
/// (`vertex: true`): the same bodies and events; on Vertex the model comes from the path, the body
/// carries `anthropic_version` instead of the header, the caller holds a Google token, and the 429s
/// and 401s are Google's front end's.
public struct AnthropicDialect: Dialect {
    /// Claude on Vertex AI rather than Anthropic's own API.
    public let vertex: Bool
    public var name: String { vertex ? "vertex-anthropic" : "anthropic" }

    public init(vertex: Bool = false) { self.vertex = vertex }

    /// Anthropic's own API wants `anthropic-version`; on Vertex the version is in the body.
    public var versionHeader: String? { vertex ? nil : "anthropic-version" }

    /// The model of a Vertex request whose path names none (LiteLLM's `{api_base}:rawPredict` with a
    /// custom prefix).
    static let defaultVertexModel = "claude-sonnet-4@20250514"

    public func parse(_ head: RequestHead, body: [UInt8]) throws(ProviderError) -> ParsedRequest {
        var sim = SimRequest(endpoint: head.endpoint, method: head.method, path: head.path, apiKey: head.apiKey)
        if vertex {
            sim.project = head.captures["project"]
            if let key = sim.apiKey { sim.tokenIssued = GoogleAccessToken.verify(key) }
        } else if head.version == nil {
            throw Self.invalid("anthropic-version: header is required")
        }
        if head.endpoint == .anthropicModels {
            let model = head.captures["model"].map(String.init)
            sim.model = model
            return ParsedRequest(sim: sim, model: model ?? "")
        }

        let counting = head.endpoint == .anthropicCountTokens || head.endpoint == .vertexAnthropicCountTokens
        var parsed = try Self.parseMessages(
            body, sim: sim, hosted: vertex ? head.captures["model"].map(String.init) ?? "" : nil, counting: counting)
        if head.endpoint == .vertexAnthropicStream { parsed.sim.stream = true }
        return parsed
    }

    /// A Messages API body: `model` (unless `hosted`), `messages`, `system`, `tools`, `max_tokens` (unless
    /// `counting`) and `stream`. `hosted` is the model a platform's path names (Vertex AI, Bedrock; empty
    /// when it names none): the body then carries `anthropic_version` and the model only optionally.
    static func parseMessages(_ body: [UInt8], sim: SimRequest, hosted: String?, counting: Bool) throws(ProviderError)
        -> ParsedRequest
    {
        var sim = sim
        let document: JSONDocument
        do {
            document = try JSONDocument.parse(body)
        } catch {
            throw Self.invalid("There was an error parsing the body of your request as JSON.")
        }
        let root = document.root
        guard root.kind == .object else { throw Self.invalid("Input should be a valid dictionary") }

        var model: String
        if let hosted, !counting {
            guard let version = root["anthropic_version"], !version.isNull else { throw Self.missing("anthropic_version") }
            guard version.kind == .string else { throw Self.invalid("anthropic_version: Input should be a valid string") }
            model = hosted.isEmpty ? root["model"]?.string ?? Self.defaultVertexModel : hosted
        } else {
            guard let value = root["model"], !value.isNull else { throw Self.missing("model") }
            guard let name = value.string else { throw Self.invalid("model: Input should be a valid string") }
            guard !name.isEmpty || hosted != nil else { throw Self.invalid("model: String should have at least 1 character") }
            model = name
        }
        if model.isEmpty { model = Self.defaultVertexModel }
        sim.model = model
        var parsed = ParsedRequest(sim: sim, model: model)

        guard let messages = root["messages"], !messages.isNull else { throw Self.missing("messages") }
        guard messages.kind == .array else { throw Self.invalid("messages: Input should be a valid list") }
        guard messages.count > 0 || counting else { throw Self.invalid("messages: at least one message is required") }
        for (i, message) in messages.elements.enumerated() {
            guard message.kind == .object else { throw Self.invalid("messages.\(i): Input should be a valid dictionary") }
            guard let role = message["role"]?.string else { throw Self.missing("messages.\(i).role") }
            guard role == "user" || role == "assistant" else {
                throw Self.invalid("messages.\(i).role: Input should be 'user' or 'assistant'")
            }
            guard let content = message["content"], content.kind == .string || content.kind == .array else {
                throw Self.invalid("messages.\(i).content: Input should be a valid string or list of content blocks")
            }
            if role == "user" { parsed.echoSource = .openAI(content) }
        }
        var textBytes = messages.textLength
        if let system = root["system"], !system.isNull {
            guard system.kind == .string || system.kind == .array else {
                throw Self.invalid("system: Input should be a valid string or list of text blocks")
            }
            textBytes += system.textLength
        }
        if let tools = root["tools"], tools.kind == .array { textBytes += tools.textLength }
        parsed.sim.promptTokens = max(1, OpenAIDialect.estimateTokens(bytes: textBytes) + 3 * messages.count)

        if counting {
            parsed.sim.maxTokens = 0  // counting generates nothing
            return parsed
        }
        guard let cap = root["max_tokens"], !cap.isNull else { throw Self.missing("max_tokens") }
        guard let maxTokens = cap.int else { throw Self.invalid("max_tokens: Input should be a valid integer") }
        guard maxTokens >= 1 else { throw Self.invalid("max_tokens: Input should be greater than or equal to 1") }
        parsed.sim.maxTokens = maxTokens
        if let stream = root["stream"], !stream.isNull {
            guard let flag = stream.bool else { throw Self.invalid("stream: Input should be a valid boolean") }
            parsed.sim.stream = flag
        }
        return parsed
    }

    // MARK: Request errors

    static func invalid(_ message: String) -> ProviderError {
        ProviderError(status: 400, message: message, type: "invalid_request_error")
    }

    /// A required field left out, as Anthropic's validation words it.
    static func missing(_ field: String) -> ProviderError { invalid("\(field): Field required") }
}
