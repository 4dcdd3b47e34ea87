/// Every API operation Decoy can impersonate, named by the id a profile's `match:` uses.
///
/// The Router maps a request path to one of these; a route names them to claim the traffic.
public enum Endpoint: String, Sendable, CaseIterable, Hashable {
    case openaiChat = "openai.chat"
    case openaiCompletions = "openai.completions"
    case openaiEmbeddings = "openai.embeddings"
    case openaiModels = "openai.models"
    case openaiResponses = "openai.responses"
    case azureChat = "azure.chat"
    case azureCompletions = "azure.completions"
    case azureEmbeddings = "azure.embeddings"
    case vertexGenerate = "vertex.generate"
    case vertexStream = "vertex.stream"
    case vertexEmbed = "vertex.embed"
    case vertexCountTokens = "vertex.count_tokens"
    case vertexRawPredict = "vertex.raw_predict"
    case geminiGenerate = "gemini.generate"
    case geminiStream = "gemini.stream"
    case geminiEmbed = "gemini.embed"
    case geminiCountTokens = "gemini.count_tokens"
    case googleToken = "google.token"
    case anthropicMessages = "anthropic.messages"
    case anthropicCountTokens = "anthropic.count_tokens"
    case anthropicModels = "anthropic.models"
    case vertexAnthropic = "vertex.anthropic"
    case vertexAnthropicStream = "vertex.anthropic_stream"
    case vertexAnthropicCountTokens = "vertex.anthropic_count_tokens"
    case vertexOpenAIChat = "vertex.openai_chat"
    case vertexMistral = "vertex.mistral"
    case bedrockConverse = "bedrock.converse"
    case bedrockConverseStream = "bedrock.converse_stream"
    case bedrockInvoke = "bedrock.invoke"
    case bedrockInvokeStream = "bedrock.invoke_stream"
    case bedrockCountTokens = "bedrock.count_tokens"
}

extension Endpoint {
    /// Who may call the endpoint when no route says otherwise: Vertex AI (its partner models too) wants a
    /// token from Decoy's own token endpoint (as it wants one from Google's), the Gemini API and Bedrock
    /// some key (Bedrock: any SigV4 signature or bearer token); the others take anyone.
    public var defaultAuth: Auth {
        switch self {
        case .vertexGenerate, .vertexStream, .vertexEmbed, .vertexCountTokens, .vertexRawPredict, .vertexAnthropic,
            .vertexAnthropicStream, .vertexAnthropicCountTokens, .vertexOpenAIChat, .vertexMistral:
            .issued
        case .geminiGenerate, .geminiStream, .geminiEmbed, .geminiCountTokens, .bedrockConverse, .bedrockConverseStream,
            .bedrockInvoke, .bedrockInvokeStream, .bedrockCountTokens:
            .any
        default: .open
        }
    }
}

/// Who may call a route: the credential a request must carry (`Authorization: Bearer`, `api-key`,
/// `x-goog-api-key` or the Gemini API's `?key=`).
public enum Auth: Sendable, Equatable {
    /// Anyone, with or without a credential (`auth: none`).
    case open
    /// Any credential at all (`auth: any`).
    case any
    /// Only an access token Decoy's token endpoint (`POST /token`) issued (`auth: issued`).
    case issued
    /// Only one of these keys or bearer tokens (`auth: {keys: [...]}`).
    case keys([String])
}
