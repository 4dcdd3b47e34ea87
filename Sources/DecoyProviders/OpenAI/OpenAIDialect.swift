import DecoyEngine
import DecoyProfile

/// OpenAI's API as api.openai.com answers it, Azure OpenAI's variant of it (`azure: true`): same
/// bodies, Azure's paths, `api-key` header and `retry-after-ms`; and the chat format as Vertex AI serves
/// it (`vertex: true`) on its OpenAI-compatible endpoint and for Mistral's models, to a caller holding
/// a Google token, the model in the body or the path.
public struct OpenAIDialect: Dialect {
    public let azure: Bool
    public let vertex: Bool
    public var name: String { azure ? "azure" : vertex ? "vertex-openai" : "openai" }

    public init(azure: Bool = false, vertex: Bool = false) {
        self.azure = azure
        self.vertex = vertex
    }

    /// OpenAI reports the time it spent on a request in `openai-processing-ms`.
    public var processingTimeHeader: StaticString? { azure || vertex ? nil : "openai-processing-ms" }

    /// The system fingerprint every answer carries.
    static let fingerprint = "fp_d3c0y5f4k3"

    public func parse(_ head: RequestHead, body: [UInt8]) throws(ProviderError) -> ParsedRequest {
        if head.endpoint == .openaiModels {
            let model = head.captures["model"].map(String.init)
            let sim = SimRequest(endpoint: head.endpoint, method: head.method, path: head.path, model: model, apiKey: head.apiKey)
            return ParsedRequest(sim: sim, model: model ?? "")
        }
        let document: JSONDocument
        do {
            document = try JSONDocument.parse(body)
        } catch {
            throw Self.unparsableBody
        }
        let root = document.root
        guard root.kind == .object else {
            throw Self.invalid("Invalid type for body: expected an object, but got \(root.kind.openAIName) instead.")
        }
        let modelValue = root["model"]
        if let modelValue, modelValue.kind != .string, !modelValue.isNull {
            throw Self.invalidType("model", expected: "a string", got: modelValue)
        }
        guard let model = modelValue?.string ?? (head.captures["deployment"] ?? head.captures["model"]).map(String.init), !model.isEmpty
        else {
            throw Self.invalid("you must provide a model parameter")
        }
        // Built in place from here on: a separate `SimRequest` copied in at the end would cost a copy
        // of each of its strings.
        var parsed = ParsedRequest(
            sim: SimRequest(endpoint: head.endpoint, method: head.method, path: head.path, model: model, apiKey: head.apiKey),
            model: model)
        if vertex {
            parsed.sim.project = head.captures["project"]
            if let key = head.apiKey { parsed.sim.tokenIssued = GoogleAccessToken.verify(key) }
        }

        switch head.endpoint {
        case .openaiChat, .azureChat, .vertexOpenAIChat, .vertexMistral:
            guard let messages = root["messages"] else { throw Self.missing("messages") }
            guard messages.kind == .array else {
                throw Self.invalidType("messages", expected: "an array", got: messages)
            }
            guard messages.count > 0 else {
                throw Self.invalid(
                    "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                    param: "messages", code: "empty_array")
            }
            // `elements`, not `messages[i]`: the subscript walks the array from its start each time.
            for (i, message) in messages.elements.enumerated() {
                guard message.kind == .object else {
                    throw Self.invalidType("messages[\(i)]", expected: "an object", got: message)
                }
                guard let role = message["role"]?.string else { throw Self.missing("messages[\(i)].role") }
                if role == "user", let content = message["content"] { parsed.echoSource = .openAI(content) }
            }
            parsed.sim.promptTokens = Self.estimateTokens(bytes: messages.textLength) + 3 * messages.count
            try readGenerationOptions(root, into: &parsed)

        case .openaiCompletions, .azureCompletions:
            guard let prompt = root["prompt"] else { throw Self.missing("prompt") }
            let prompts = Self.prompts(prompt)
            parsed.sim.promptTokens = prompts.tokens
            parsed.echoSource = .openAI(prompt)
            try readGenerationOptions(root, into: &parsed)
            parsed.sim.choices *= prompts.count  // OpenAI answers n choices for each prompt of a batch

        case .openaiEmbeddings, .azureEmbeddings:
            guard let input = root["input"] else { throw Self.missing("input") }
            switch input.kind {
            case .string:
                parsed.inputHashes = [Self.hash(bytes: input.document.bytes[input.byteRange])]
            case .array where input.count > 0:
                if input[0]?.kind == .number {  // one input given as token ids
                    parsed.inputHashes = [Self.hash(bytes: input.document.bytes[input.byteRange])]
                } else {
                    for element in input.elements { parsed.inputHashes.append(Self.hash(bytes: element.document.bytes[element.byteRange])) }
                }
            case .array:
                throw Self.invalid("'$.input' is invalid: it must not be an empty array.", param: "input")
            default:
                throw Self.invalid(
                    "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
                    param: "input")
            }
            parsed.sim.promptTokens = max(1, Self.prompts(input).tokens)
            if let dimensions = root["dimensions"] {
                guard let d = dimensions.int, d >= 1, d <= 3072 else {
                    throw Self.invalid("Invalid value for 'dimensions': must be between 1 and 3072.", param: "dimensions")
                }
                parsed.dimensions = d
            }
            parsed.base64 = root["encoding_format"]?.string == "base64"

        case .openaiResponses:
            guard let input = root["input"] else { throw Self.missing("input") }
            parsed.sim.promptTokens = Self.estimateTokens(bytes: input.textLength + (root["instructions"]?.textLength ?? 0))
            parsed.echoSource = .openAI(input)
            if let max = root["max_output_tokens"], !max.isNull {
                guard let cap = max.int, cap >= 16 else {
                    throw Self.invalid(
                        "Invalid 'max_output_tokens': integer below minimum value. Expected a value >= 16.",
                        param: "max_output_tokens", code: "integer_below_min_value")
                }
                parsed.sim.maxTokens = cap
            }
            parsed.sim.stream = root["stream"]?.bool ?? false

        default:
            throw error(.notFound(method: head.method, path: head.path))
        }
        return parsed
    }

    /// `stream`, `stream_options`, `n`, `max_tokens` / `max_completion_tokens`.
    private func readGenerationOptions(_ root: JSONValue, into parsed: inout ParsedRequest) throws(ProviderError) {
        if let stream = root["stream"], !stream.isNull {
            guard let flag = stream.bool else { throw Self.invalidType("stream", expected: "a boolean", got: stream) }
            parsed.sim.stream = flag
        }
        if let options = root["stream_options"], !options.isNull {
            guard parsed.sim.stream else {
                throw Self.invalid("The 'stream_options' parameter is only allowed when 'stream' is enabled.", param: "stream_options")
            }
            parsed.includeUsage = options["include_usage"]?.bool ?? false
        }
        if let n = root["n"], !n.isNull {
            guard let count = n.int, count >= 1, count <= 128 else {
                throw Self.invalid("Invalid 'n': must be an integer between 1 and 128.", param: "n")
            }
            parsed.sim.choices = count
        }
        // `max_completion_tokens` wins over the older `max_tokens`.
        try readCap("max_completion_tokens", root, into: &parsed)
        try readCap("max_tokens", root, into: &parsed)
    }

    /// A completion cap named `key`, if the body has one and no earlier cap was read.
    private func readCap(_ key: String, _ root: JSONValue, into parsed: inout ParsedRequest) throws(ProviderError) {
        guard parsed.sim.maxTokens == nil, let value = root[key], !value.isNull else { return }
        guard let cap = value.int, cap >= 1 else {
            throw Self.invalid("Invalid '\(key)': integer below minimum value. Expected a value >= 1.", param: key)
        }
        parsed.sim.maxTokens = cap
    }

    // MARK: Helpers

    /// About four bytes of text to a token, as OpenAI's rule of thumb says.
    static func estimateTokens(bytes: Int) -> Int { (bytes + 3) / 4 }

    /// The prompts of a completion or embedding input and their tokens: a string, a list of strings, a
    /// list of token ids (one prompt, as many tokens as ids), or a list of such lists.
    static func prompts(_ value: JSONValue) -> (count: Int, tokens: Int) {
        switch value.kind {
        case .string:
            return (1, estimateTokens(bytes: value.textLength))
        case .array where value.count > 0 && value[0]?.kind == .number:
            return (1, value.count)
        case .array:
            var tokens = 0
            for element in value.elements {
                tokens += element.kind == .array ? element.count : estimateTokens(bytes: element.textLength)
            }
            return (max(1, value.count), tokens)
        default:
            return (1, 0)
        }
    }

    /// The text of a message content: a string, or the `text` of its parts.
    static func text(of value: JSONValue) -> String? {
        if let string = value.string { return string }
        guard value.kind == .array else { return nil }
        var out = ""
        for element in value.elements {
            if let s = element.string {
                out += s
            } else if let s = element["text"]?.string {
                out += s
            }
        }
        return out
    }

    /// FNV-1a, stable across runs (unlike `Hasher`), so the same input gets the same embedding.
    static func hash(bytes: ArraySlice<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h &*= 0x100_0000_01b3
        }
        return h
    }
}

extension JSONKind {
    /// The type name OpenAI's validation messages use.
    var openAIName: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .null: "null"
        }
    }
}
