/// The headers every OpenAI and Azure OpenAI answer carries besides its content type and rate limits:
/// errors and 429s included. See docs/WIRE.md for where each comes from.
extension OpenAIDialect {
    /// `content-type` first (`streamHeaders` replaces it), then the answer's ids and constant headers.
    func baseHeaders() -> [(String, String)] {
        var headers: [(String, String)] = []
        headers.reserveCapacity(12)
        headers.append(Self.jsonHeaders[0])
        if azure {
            // Azure's API Management front: two request ids (its own, and the backend's), and the region.
            headers.append(("apim-request-id", Identifiers.uuid()))
            headers.append(("x-request-id", Identifiers.uuid()))
            headers.append(contentsOf: Self.azureConstantHeaders)
        } else if !vertex {  // Vertex AI's front answers its OpenAI-compatible endpoint: none of OpenAI's ids
            // `req_` and 32 hex digits; the openai SDK exposes it as `_request_id`.
            headers.append(("x-request-id", Identifiers.hex("req_", count: 32)))
            headers.append(contentsOf: Self.openAIConstantHeaders)
        }
        return headers
    }

    /// What api.openai.com sends on every answer. `openai-processing-ms` (the server's time, in whole
    /// milliseconds) belongs here too, but only the responder knows it.
    static let openAIConstantHeaders: [(String, String)] = [
        ("openai-organization", "user-decoy"),
        ("openai-version", "2020-10-01"),
    ]

    /// What Azure OpenAI sends on every answer: the region the deployment runs in, as a display name.
    static let azureConstantHeaders: [(String, String)] = [("x-ms-region", "East US")]
}
