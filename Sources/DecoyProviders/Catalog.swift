import DecoyEngine
import DecoyProfile

/// Every path Decoy answers, with the endpoint and the dialect behind it. A class: a route lookup
/// hands out a reference, not a copy of the pattern's arrays and strings.
public final class EndpointPath: Sendable {
    public let method: String
    public let pattern: PathPattern
    public let endpoint: Endpoint
    public let dialect: any Dialect
    /// Other providers' endpoints at the same method and path, each taking the request over when it
    /// bears that provider's sign; the first whose sign holds answers, else this one.
    public let handovers: [Handover]

    init(_ method: String, _ pattern: String, _ endpoint: Endpoint, _ dialect: any Dialect, handovers: [Handover] = []) {
        self.method = method
        // The catalogue's own patterns are literals of this file; a bad one is a programming error.
        self.pattern = try! PathPattern(pattern)
        self.endpoint = endpoint
        self.dialect = dialect
        self.handovers = handovers
    }

    /// A path two providers share, and how a request shows it is the other one's: the Router sees only
    /// paths, so the Dispatcher asks the entry it found, once it has the request's headers and body.
    public struct Handover: Sendable {
        public enum Sign: Sendable {
            /// The request carries any of these headers.
            case header([String])
            /// The body is a JSON object with this key.
            case bodyKey(String)
        }

        public let sign: Sign
        public let entry: EndpointPath
    }

    /// The entry that answers a request found at this path: this one, or the first handover whose sign
    /// the request bears. Costs nothing for a path no other provider shares.
    public func answering<H: HeaderSource>(headers: H, body: [UInt8]) -> EndpointPath {
        guard !handovers.isEmpty else { return self }
        var root: JSONValue??  // the body parsed once, on the first `bodyKey`
        for handover in handovers {
            switch handover.sign {
            case .header(let names):
                if names.contains(where: { headers.first($0) != nil }) { return handover.entry }
            case .bodyKey(let key):
                if root == nil { root = .some(try? JSONDocument.parse(body).root) }
                if let object = root ?? nil, object.kind == .object, object[key] != nil { return handover.entry }
            }
        }
        return self
    }
}

/// The provider path table the Router serves from.
public enum Catalog {
    public static let openAI = OpenAIDialect()
    public static let azure = OpenAIDialect(azure: true)
    public static let vertex = VertexDialect()
    public static let gemini = VertexDialect(gemini: true)
    public static let googleToken = GoogleTokenDialect()
    public static let anthropic = AnthropicDialect()
    public static let vertexAnthropic = AnthropicDialect(vertex: true)
    /// OpenAI's chat format on Vertex AI's OpenAI-compatible endpoint and for Mistral, with Google's tokens.
    public static let vertexOpenAI = OpenAIDialect(vertex: true)
    public static let bedrock = BedrockDialect()

    public static let paths: [EndpointPath] = anthropicPaths + googlePaths + bedrockPaths + [
        EndpointPath("POST", "/v1/chat/completions", .openaiChat, openAI),
        EndpointPath("POST", "/chat/completions", .openaiChat, openAI),
        EndpointPath("POST", "/v1/completions", .openaiCompletions, openAI),
        EndpointPath("POST", "/completions", .openaiCompletions, openAI),
        EndpointPath("POST", "/v1/embeddings", .openaiEmbeddings, openAI),
        EndpointPath("POST", "/embeddings", .openaiEmbeddings, openAI),
        EndpointPath("GET", "/v1/models", .openaiModels, openAI, handovers: [anthropicModels("/v1/models")]),
        EndpointPath("GET", "/models", .openaiModels, openAI, handovers: [anthropicModels("/models")]),
        EndpointPath("GET", "/v1/models/{model}", .openaiModels, openAI, handovers: [anthropicModels("/v1/models/{model}")]),
        EndpointPath("GET", "/models/{model}", .openaiModels, openAI, handovers: [anthropicModels("/models/{model}")]),
        EndpointPath("POST", "/v1/responses", .openaiResponses, openAI),
        EndpointPath("POST", "/responses", .openaiResponses, openAI),
        EndpointPath("POST", "/openai/deployments/{deployment}/chat/completions", .azureChat, azure),
        EndpointPath("POST", "/openai/deployments/{deployment}/completions", .azureCompletions, azure),
        EndpointPath("POST", "/openai/deployments/{deployment}/embeddings", .azureEmbeddings, azure),
    ]

    /// Vertex AI's and the Gemini API's actions, with the endpoint of each.
    static let vertexActions: [(action: String, endpoint: Endpoint)] = [
        ("generateContent", .vertexGenerate), ("streamGenerateContent", .vertexStream), ("predict", .vertexEmbed),
        ("countTokens", .vertexCountTokens), ("rawPredict", .vertexRawPredict),
    ]
    static let geminiActions: [(action: String, endpoint: Endpoint)] = [
        ("generateContent", .geminiGenerate), ("streamGenerateContent", .geminiStream), ("embedContent", .geminiEmbed),
        ("batchEmbedContents", .geminiEmbed), ("countTokens", .geminiCountTokens),
    ]

    /// Google's paths, first so that `/models/{model}:generateContent` is the Gemini API's, not OpenAI's
    /// `GET /models/{model}`:
    /// - Vertex AI as google-genai (`/v1beta1/…`) and LiteLLM (`/v1/…`) call it;
    /// - `{api_base}:ACTION`, which LiteLLM calls when `api_base` holds a path other than a version (a
    ///   custom prefix of one or two segments) and older LiteLLM when it is a bare host (`/:generateContent`);
    /// - the Gemini API as google-genai (`/v1/models/…`, `/v1beta/models/…` with `api_version="v1beta"`)
    ///   and LiteLLM's `gemini/` with a bare-host `api_base` (`/models/…`) call it;
    /// - the OAuth 2 token endpoint google-auth calls with a service account whose `token_uri` is here.
    static let googlePaths: [EndpointPath] = {
        var paths: [EndpointPath] = []
        for (action, endpoint) in geminiActions {
            for prefix in ["/v1", "/v1beta", ""] {
                paths.append(EndpointPath("POST", "\(prefix)/models/{model}:\(action)", endpoint, gemini))
            }
        }
        for (action, endpoint) in vertexActions {
            for version in ["v1", "v1beta1"] {
                paths.append(
                    EndpointPath(
                        "POST", "/\(version)/projects/{project}/locations/{location}/publishers/google/models/{model}:\(action)",
                        endpoint, vertex))
            }
            for custom in ["/:\(action)", "/{prefix}:\(action)", "/{prefix}/{name}:\(action)"] {
                let handovers = action == "rawPredict" ? partnerHandovers(custom) : []
                paths.append(EndpointPath("POST", custom, endpoint, vertex, handovers: handovers))
            }
        }
        paths.append(EndpointPath("POST", "/token", .googleToken, googleToken))
        return paths
    }()

    /// Anthropic's Messages API (`/v1/messages`, which LiteLLM's `anthropic/` appends to `api_base`, also
    /// under a custom prefix), and Vertex AI's partner models: Claude (`publishers/anthropic`, whose
    /// `count-tokens` comes before `{model}`), Mistral (`publishers/mistralai`, OpenAI's chat format)
    /// and the OpenAI-compatible endpoint; LiteLLM's `{api_base}:streamRawPredict` (Claude's, or
    /// Mistral's when the body has no `anthropic_version`). `{api_base}:rawPredict` is Vertex's own
    /// path, handed to Claude or Mistral by the body (`partnerHandovers`).
    static let anthropicPaths: [EndpointPath] = {
        var paths: [EndpointPath] = []
        for prefix in ["", "/{prefix}"] {
            paths.append(EndpointPath("POST", "\(prefix)/v1/messages", .anthropicMessages, anthropic))
            paths.append(EndpointPath("POST", "\(prefix)/v1/messages/count_tokens", .anthropicCountTokens, anthropic))
        }
        for version in ["v1", "v1beta1"] {
            let location = "/\(version)/projects/{project}/locations/{location}"
            paths.append(
                EndpointPath(
                    "POST", "\(location)/publishers/anthropic/models/count-tokens:rawPredict", .vertexAnthropicCountTokens,
                    vertexAnthropic))
            paths.append(
                EndpointPath("POST", "\(location)/publishers/anthropic/models/{model}:rawPredict", .vertexAnthropic, vertexAnthropic))
            paths.append(
                EndpointPath(
                    "POST", "\(location)/publishers/anthropic/models/{model}:streamRawPredict", .vertexAnthropicStream,
                    vertexAnthropic))
            for action in ["rawPredict", "streamRawPredict"] {
                paths.append(
                    EndpointPath("POST", "\(location)/publishers/mistralai/models/{model}:\(action)", .vertexMistral, vertexOpenAI))
            }
            paths.append(EndpointPath("POST", "\(location)/endpoints/openapi/chat/completions", .vertexOpenAIChat, vertexOpenAI))
        }
        for custom in ["/:streamRawPredict", "/{prefix}:streamRawPredict", "/{prefix}/{name}:streamRawPredict"] {
            let claude = EndpointPath("POST", custom, .vertexAnthropicStream, vertexAnthropic)
            let handover = EndpointPath.Handover(sign: .bodyKey("anthropic_version"), entry: claude)
            paths.append(EndpointPath("POST", custom, .vertexMistral, vertexOpenAI, handovers: [handover]))
        }
        return paths
    }()

    /// Amazon Bedrock's runtime operations, the model id (percent-encoded, an ARN's `/` as `%2F`) one segment.
    static let bedrockPaths: [EndpointPath] = [
        EndpointPath("POST", "/model/{model}/converse", .bedrockConverse, bedrock),
        EndpointPath("POST", "/model/{model}/converse-stream", .bedrockConverseStream, bedrock),
        EndpointPath("POST", "/model/{model}/invoke", .bedrockInvoke, bedrock),
        EndpointPath("POST", "/model/{model}/invoke-with-response-stream", .bedrockInvokeStream, bedrock),
        EndpointPath("POST", "/model/{model}/count-tokens", .bedrockCountTokens, bedrock),
    ]

    /// `{api_base}:rawPredict` is Vertex's for Gemini and embeddings, Claude's when the body has
    /// `anthropic_version`, Mistral's (OpenAI's chat format) when it has `messages`.
    static func partnerHandovers(_ pattern: String) -> [EndpointPath.Handover] {
        [
            .init(sign: .bodyKey("anthropic_version"), entry: EndpointPath("POST", pattern, .vertexAnthropic, vertexAnthropic)),
            .init(sign: .bodyKey("messages"), entry: EndpointPath("POST", pattern, .vertexMistral, vertexOpenAI)),
        ]
    }

    /// `GET /v1/models` and `/v1/models/{id}` are OpenAI's and Anthropic's alike: Anthropic's when the
    /// request carries `anthropic-version` or `x-api-key`, which the Anthropic SDK always sends.
    static func anthropicModels(_ pattern: String) -> EndpointPath.Handover {
        .init(sign: .header(["anthropic-version", "x-api-key"]), entry: EndpointPath("GET", pattern, .anthropicModels, anthropic))
    }

    /// The dialect whose 404 a path that matches nothing gets: the provider it most looks like.
    public static func dialect(guessedFrom path: Substring) -> any Dialect {
        if path.hasPrefix("/openai/") { return azure }
        if path.hasPrefix("/v1/messages") { return anthropic }
        if path.hasPrefix("/model/") { return bedrock }
        if path.hasPrefix("/v1/projects/") || path.hasPrefix("/v1beta1/") { return vertex }
        if path.hasPrefix("/v1beta/") || (path.contains("/models/") && path.contains(":")) { return gemini }
        if path.contains(":") { return vertex }
        return openAI
    }
}
