import DecoyEngine
import DecoyProfile

/// Vertex AI's Gemini API (`aiplatform.googleapis.com`), and the Gemini API of Google AI Studio
/// (`generativelanguage.googleapis.com`, `gemini: true`): the same `generateContent` bodies, the Gemini
/// API's API keys, embedding calls and the `RetryInfo` detail on its 429s.
///
/// Google's JSON parser takes a field in camelCase or snake_case alike (LiteLLM sends
/// `system_instruction` and `max_output_tokens`, google-genai `systemInstruction` and `maxOutputTokens`),
/// and so does this dialect.
public struct VertexDialect: Dialect {
    /// The Gemini API rather than Vertex AI.
    public let gemini: Bool
    public var name: String { gemini ? "gemini" : "vertex" }

    public init(gemini: Bool = false) { self.gemini = gemini }

    /// The model of a request whose path names none (`POST /:generateContent`, a custom prefix) and whose
    /// body names none either.
    static let defaultModel = "gemini-1.5-pro"

    public func parse(_ head: RequestHead, body: [UInt8]) throws(ProviderError) -> ParsedRequest {
        var sim = SimRequest(
            endpoint: head.endpoint, method: head.method, path: head.path,
            apiKey: head.apiKey ?? Self.queryValue(head.query, "key"))
        sim.project = head.captures["project"]
        if let key = sim.apiKey { sim.tokenIssued = GoogleAccessToken.verify(key) }

        let document: JSONDocument
        do {
            document = try JSONDocument.parse(body)
        } catch {
            throw Self.invalidJSON(error, bodyLength: body.count)
        }
        let root = document.root
        guard root.kind == .object else {
            throw Self.invalid("Invalid JSON payload received. Unknown name \"\": Root element must be a message.")
        }
        let model = head.captures["model"].map(String.init) ?? Self.model(named: root["model"]?.string)
        sim.model = model
        var parsed = ParsedRequest(sim: sim, model: model)

        let failure: ProviderError?
        switch head.endpoint {
        case .vertexEmbed:
            failure = readPredict(root, into: &parsed)
        case .vertexRawPredict where root["instances"] != nil:
            failure = readPredict(root, into: &parsed)
        case .geminiEmbed:
            failure = readEmbedContent(root, batch: head.path.hasSuffix(":batchEmbedContents"), into: &parsed)
        case .vertexCountTokens, .geminiCountTokens:
            failure = readCountTokens(root, into: &parsed)
        case .vertexGenerate, .vertexStream, .vertexRawPredict, .geminiGenerate, .geminiStream:
            failure = readGenerate(root, into: &parsed)
            parsed.sim.stream = head.endpoint == .vertexStream || head.endpoint == .geminiStream
            parsed.jsonArrayStream = parsed.sim.stream && Self.queryValue(head.query, "alt") != "sse"
        default:
            failure = error(.notFound(method: head.method, path: head.path))
        }
        if let failure { throw failure }
        return parsed
    }

    // MARK: generateContent

    /// `contents`, `systemInstruction`, `generationConfig.{maxOutputTokens, candidateCount}`.
    private func readGenerate(_ root: JSONValue, into parsed: inout ParsedRequest) -> ProviderError? {
        guard let contents = root["contents"], !contents.isNull else { return emptyContents }
        guard contents.kind == .array else { return Self.invalidValue("contents", contents) }
        guard contents.count > 0 else { return emptyContents }
        for content in contents.elements {
            guard content.kind == .object else { return Self.invalidValue("contents", content) }
            if let parts = content["parts"], !parts.isNull, parts.kind != .array, parts.kind != .object {
                return Self.invalidValue("contents.parts", parts)
            }
            let role = content["role"]?.string ?? "user"
            if role == "user", let parts = content["parts"] { parsed.echoSource = .googleParts(parts) }
        }
        let system = Self.field(root, "systemInstruction", "system_instruction")
        parsed.sim.promptTokens = max(1, OpenAIDialect.estimateTokens(bytes: contents.textLength + (system?.textLength ?? 0)))

        guard let config = Self.field(root, "generationConfig", "generation_config"), !config.isNull else { return nil }
        guard config.kind == .object else { return Self.invalidValue("generation_config", config) }
        if let value = Self.field(config, "maxOutputTokens", "max_output_tokens"), !value.isNull {
            guard let cap = value.int, cap >= 0, cap <= Int(Int32.max) else {
                return Self.invalidValue("generation_config.max_output_tokens", value, type: "TYPE_INT32")
            }
            if cap > 0 { parsed.sim.maxTokens = cap }  // 0 is proto3's "not set"
        }
        if let value = Self.field(config, "candidateCount", "candidate_count"), !value.isNull {
            guard let count = value.int else {
                return Self.invalidValue("generation_config.candidate_count", value, type: "TYPE_INT32")
            }
            guard count >= 0, count <= 8 else {
                return Self.invalid(
                    "Unable to submit request because it has a candidateCount value of \(count) but the supported "
                        + "range is from 1 (inclusive) to 9 (exclusive). Update the value and try again.")
            }
            parsed.sim.choices = max(1, count)
        }
        return nil
    }

    private var emptyContents: ProviderError {
        gemini
            ? Self.invalid("* GenerateContentRequest.contents: contents is not specified\n")
            : Self.invalid(
                "Unable to submit request because it has an empty contents field. "
                    + "Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini")
    }

    // MARK: Embeddings and token counts

    /// Vertex `:predict` for text embeddings: `instances[].content`, `parameters.outputDimensionality`.
    private func readPredict(_ root: JSONValue, into parsed: inout ParsedRequest) -> ProviderError? {
        guard let instances = root["instances"], instances.kind == .array, instances.count > 0 else {
            return Self.invalid("Invalid instances: the request needs a non-empty list of instances.")
        }
        for instance in instances.elements {
            guard let content = instance["content"], content.kind == .string else {
                return Self.invalid("Invalid instances: each instance needs a string field 'content'.")
            }
            addInput(content, to: &parsed)
        }
        let parameters = root["parameters"]
        return readDimensions(parameters.flatMap { Self.field($0, "outputDimensionality", "output_dimensionality") }, into: &parsed)
    }

    /// Gemini API `:embedContent` (`content.parts`) and `:batchEmbedContents` (`requests[].content`).
    private func readEmbedContent(_ root: JSONValue, batch: Bool, into parsed: inout ParsedRequest) -> ProviderError? {
        var requests: [JSONValue] = [root]
        if batch {
            guard let list = root["requests"], list.kind == .array, list.count > 0 else {
                return Self.invalid("* BatchEmbedContentsRequest.requests: at least one request is required\n")
            }
            requests = Array(list.elements)
        }
        for request in requests {
            guard let content = request["content"], content.kind == .object else {
                return Self.invalid("* EmbedContentRequest.content: content is not specified\n")
            }
            let parts = content["parts"]
            // One text part hashes as its text, so the same text gets the same vector on every provider.
            if let parts, parts.count == 1, let text = parts[0]?["text"], text.kind == .string {
                addInput(text, to: &parsed)
            } else {
                addInput(content, to: &parsed)
            }
        }
        return readDimensions(Self.field(requests[0], "outputDimensionality", "output_dimensionality"), into: &parsed)
    }

    private func addInput(_ value: JSONValue, to parsed: inout ParsedRequest) {
        parsed.inputHashes.append(OpenAIDialect.hash(bytes: value.document.bytes[value.byteRange]))
        let bytes = value.textLength
        parsed.inputBytes.append(bytes)
        parsed.sim.promptTokens += max(1, OpenAIDialect.estimateTokens(bytes: bytes))
        parsed.sim.maxTokens = 0  // an embedding generates nothing
    }

    private func readDimensions(_ value: JSONValue?, into parsed: inout ParsedRequest) -> ProviderError? {
        guard let value, !value.isNull else { return nil }
        let most = GoogleEmbeddings.defaultDimensions(model: parsed.model)
        guard let d = value.int, d >= 0 else { return Self.invalidValue("parameters.output_dimensionality", value, type: "TYPE_INT32") }
        guard d <= most else {
            return Self.invalid("Output dimensionality \(d) is larger than the maximum \(most) of model \(parsed.model).")
        }
        if d > 0 { parsed.dimensions = d }
        return nil
    }

    /// `:countTokens`: `contents` (or Vertex's older `instances`, or the Gemini API's `generateContentRequest`).
    private func readCountTokens(_ root: JSONValue, into parsed: inout ParsedRequest) -> ProviderError? {
        let request = Self.field(root, "generateContentRequest", "generate_content_request") ?? root
        guard let contents = request["contents"] ?? request["instances"], contents.kind == .array, contents.count > 0 else {
            return emptyContents
        }
        let system = Self.field(request, "systemInstruction", "system_instruction")
        let bytes = contents.textLength + (system?.textLength ?? 0)
        parsed.inputBytes = [bytes]
        parsed.sim.promptTokens = OpenAIDialect.estimateTokens(bytes: bytes)
        parsed.sim.maxTokens = 0
        return nil
    }

    // MARK: Helpers

    /// A field by either of the names Google's JSON parser accepts.
    static func field(_ object: JSONValue, _ camel: String, _ snake: String) -> JSONValue? {
        object[camel] ?? object[snake]
    }

    /// A model named in a body (`gemini-1.5-pro`, `models/gemini-1.5-pro`, `publishers/google/models/…`).
    static func model(named name: String?) -> String {
        guard let name, !name.isEmpty else { return defaultModel }
        if let slash = name.lastIndex(of: "/") { return String(name[name.index(after: slash)...]) }
        return name
    }

    /// The text of a content's `parts`.
    static func text(of parts: JSONValue) -> String? {
        if parts.kind == .object { return parts["text"]?.string }
        var out = ""
        for part in parts.elements { if let s = part["text"]?.string { out += s } }
        return out
    }

    /// The value of one query parameter, as written (Google's `alt` and `key` need no decoding).
    static func queryValue(_ query: Substring, _ name: String) -> Substring? {
        for pair in query.split(separator: "&") {
            guard let equals = pair.firstIndex(of: "="), pair[..<equals] == name else { continue }
            return pair[pair.index(after: equals)...]
        }
        return nil
    }
}
