import DecoyEngine
import DecoyProfile
import Testing

@testable import DecoyProviders

/// Anthropic's paths and Vertex AI's partner paths reach their dialects, and a path two providers share
/// is handed over by the request's headers or body.
@Suite struct AnthropicPathTests {
    struct Headers: HeaderSource {
        var fields: [String: String] = [:]
        func first(_ name: String) -> String? { fields[name] }
    }

    /// The entry the catalogue serves a request at `path` with, as the Router and then the Dispatcher pick it.
    func route(_ path: Substring, method: String = "POST", headers: [String: String] = [:], body: String = "{}")
        -> (Endpoint, String, [String: Substring])?
    {
        let matches = Catalog.paths.compactMap { entry in entry.pattern.match(path).map { (entry, $0) } }
        guard let (entry, captures) = matches.first(where: { $0.0.method == method }) else { return nil }
        let answering = entry.answering(headers: Headers(fields: headers), body: Array(body.utf8))
        return (answering.endpoint, answering.dialect.name, captures)
    }

    static let claude = #"{"anthropic_version":"vertex-2023-10-16","max_tokens":5,"messages":[]}"#
    static let chat = #"{"model":"mistral-large","messages":[]}"#

    @Test(arguments: [
        ("/v1/messages", "{}", Endpoint.anthropicMessages, "anthropic"),
        ("/v1/messages/count_tokens", "{}", .anthropicCountTokens, "anthropic"),
        ("/gateway/v1/messages", "{}", .anthropicMessages, "anthropic"),
        ("/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict", claude, .vertexAnthropic, "vertex-anthropic"),
        ("/v1beta1/projects/p/locations/global/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict", claude, .vertexAnthropicStream, "vertex-anthropic"),
        ("/v1/projects/p/locations/us-east5/publishers/anthropic/models/count-tokens:rawPredict", claude, .vertexAnthropicCountTokens, "vertex-anthropic"),
        ("/v1/projects/p/locations/us-central1/publishers/mistralai/models/mistral-large@2407:rawPredict", chat, .vertexMistral, "vertex-openai"),
        ("/v1/projects/p/locations/us-central1/publishers/mistralai/models/mistral-large@2407:streamRawPredict", chat, .vertexMistral, "vertex-openai"),
        ("/v1beta1/projects/p/locations/us-central1/endpoints/openapi/chat/completions", chat, .vertexOpenAIChat, "vertex-openai"),
        // LiteLLM's {api_base}:ACTION: Vertex's own unless the body is Claude's or a chat
        ("/deployment-a:rawPredict", claude, .vertexAnthropic, "vertex-anthropic"),
        ("/a/b:rawPredict", chat, .vertexMistral, "vertex-openai"),
        ("/:rawPredict", #"{"instances":[{"content":"x"}]}"#, .vertexRawPredict, "vertex"),
        ("/deployment-a:streamRawPredict", claude, .vertexAnthropicStream, "vertex-anthropic"),
        ("/deployment-a:streamRawPredict", chat, .vertexMistral, "vertex-openai"),
        ("/deployment-a:rawPredict", "not json", .vertexRawPredict, "vertex"),
    ])
    func everyPathRoutesToItsEndpoint(path: String, body: String, endpoint: Endpoint, dialect: String) throws {
        let (found, name, _) = try #require(route(path[...], body: body))
        #expect(found == endpoint)
        #expect(name == dialect)
    }

    @Test func capturesTheModelOfAVertexClaudePath() throws {
        let (_, _, captures) = try #require(
            route("/v1/projects/proj-7/locations/us-east5/publishers/anthropic/models/claude-3-5-haiku@20241022:streamRawPredict"))
        #expect(captures == ["project": "proj-7", "location": "us-east5", "model": "claude-3-5-haiku@20241022"])
    }

    @Test func modelsAreAnthropicsWhenTheRequestIs() throws {
        for path: Substring in ["/v1/models", "/models", "/v1/models/claude-x", "/models/claude-x"] {
            #expect(route(path, method: "GET")?.0 == .openaiModels)
            #expect(route(path, method: "GET", headers: ["anthropic-version": "2023-06-01"])?.0 == .anthropicModels)
            #expect(route(path, method: "GET", headers: ["x-api-key": "k"])?.1 == "anthropic")
        }
        #expect(Catalog.dialect(guessedFrom: "/v1/messages/nothing").name == "anthropic")
    }
}
