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
    case geminiGenerate = "gemini.generate"
    case geminiStream = "gemini.stream"
    case googleToken = "google.token"
    case anthropicMessages = "anthropic.messages"
}
