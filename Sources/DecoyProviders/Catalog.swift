import DecoyProfile

/// Every path Decoy answers, with the endpoint and the dialect behind it. A class: a route lookup
/// hands out a reference, not a copy of the pattern's arrays and strings.
public final class EndpointPath: Sendable {
    public let method: String
    public let pattern: PathPattern
    public let endpoint: Endpoint
    public let dialect: any Dialect

    init(_ method: String, _ pattern: String, _ endpoint: Endpoint, _ dialect: any Dialect) {
        self.method = method
        // The catalogue's own patterns are literals of this file; a bad one is a programming error.
        self.pattern = try! PathPattern(pattern)
        self.endpoint = endpoint
        self.dialect = dialect
    }
}

/// The provider path table the Router serves from.
public enum Catalog {
    public static let openAI = OpenAIDialect()
    public static let azure = OpenAIDialect(azure: true)
    public static let vertex = VertexDialect()
    public static let gemini = VertexDialect(gemini: true)
    public static let googleToken = GoogleTokenDialect()

    public static let paths: [EndpointPath] = googlePaths + [
        EndpointPath("POST", "/v1/chat/completions", .openaiChat, openAI),
        EndpointPath("POST", "/chat/completions", .openaiChat, openAI),
        EndpointPath("POST", "/v1/completions", .openaiCompletions, openAI),
        EndpointPath("POST", "/completions", .openaiCompletions, openAI),
        EndpointPath("POST", "/v1/embeddings", .openaiEmbeddings, openAI),
        EndpointPath("POST", "/embeddings", .openaiEmbeddings, openAI),
        EndpointPath("GET", "/v1/models", .openaiModels, openAI),
        EndpointPath("GET", "/models", .openaiModels, openAI),
        EndpointPath("GET", "/v1/models/{model}", .openaiModels, openAI),
        EndpointPath("GET", "/models/{model}", .openaiModels, openAI),
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
            paths.append(EndpointPath("POST", "/:\(action)", endpoint, vertex))
            paths.append(EndpointPath("POST", "/{prefix}:\(action)", endpoint, vertex))
            paths.append(EndpointPath("POST", "/{prefix}/{name}:\(action)", endpoint, vertex))
        }
        paths.append(EndpointPath("POST", "/token", .googleToken, googleToken))
        return paths
    }()

    /// The dialect whose 404 a path that matches nothing gets: the provider it most looks like.
    public static func dialect(guessedFrom path: Substring) -> any Dialect {
        if path.hasPrefix("/openai/") { return azure }
        if path.hasPrefix("/v1/projects/") || path.hasPrefix("/v1beta1/") { return vertex }
        if path.hasPrefix("/v1beta/") || (path.contains("/models/") && path.contains(":")) { return gemini }
        if path.contains(":") { return vertex }
        return openAI
    }
}
