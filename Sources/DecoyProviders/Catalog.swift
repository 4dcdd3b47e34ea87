import DecoyProfile

/// Every path Decoy answers, with the endpoint and the dialect behind it.
public struct EndpointPath: Sendable {
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

    public static let paths: [EndpointPath] = [
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

    /// The dialect whose 404 a path that matches nothing gets: the provider it most looks like.
    public static func dialect(guessedFrom path: Substring) -> any Dialect {
        path.hasPrefix("/openai/") ? azure : openAI
    }
}
