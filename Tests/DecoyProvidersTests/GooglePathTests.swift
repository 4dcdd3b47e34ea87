import DecoyEngine
import DecoyProfile
import Testing

@testable import DecoyProviders

/// Google's paths reach the Vertex AI, Gemini API and token dialects, as the Router picks among the catalogue.
@Suite struct GooglePathTests {
    /// The endpoint and dialect the catalogue serves a POST at `path` with, as the Router picks them.
    func route(_ path: Substring, method: String = "POST") -> (Endpoint, String, [String: Substring])? {
        let matches = Catalog.paths.compactMap { entry in entry.pattern.match(path).map { (entry, $0) } }
        guard let (entry, captures) = matches.first(where: { $0.0.method == method }) else { return nil }
        return (entry.endpoint, entry.dialect.name, captures)
    }

    @Test(arguments: [
        ("/v1/projects/p/locations/l/publishers/google/models/m:generateContent", Endpoint.vertexGenerate, "vertex"),
        ("/v1beta1/projects/p/locations/l/publishers/google/models/m:streamGenerateContent", .vertexStream, "vertex"),
        ("/v1/projects/p/locations/l/publishers/google/models/text-embedding-005:predict", .vertexEmbed, "vertex"),
        ("/v1beta1/projects/p/locations/l/publishers/google/models/m:countTokens", .vertexCountTokens, "vertex"),
        ("/v1/projects/p/locations/l/publishers/google/models/m:rawPredict", .vertexRawPredict, "vertex"),
        ("/:generateContent", .vertexGenerate, "vertex"),
        ("/deployment-a:streamGenerateContent", .vertexStream, "vertex"),
        ("/custom/prefix:generateContent", .vertexGenerate, "vertex"),
        ("/v1beta/models/gemini-2.0-flash:generateContent", .geminiGenerate, "gemini"),
        ("/v1/models/gemini-2.0-flash:streamGenerateContent", .geminiStream, "gemini"),
        ("/models/text-embedding-004:batchEmbedContents", .geminiEmbed, "gemini"),
        ("/v1beta/models/m:embedContent", .geminiEmbed, "gemini"),
        ("/v1beta/models/m:countTokens", .geminiCountTokens, "gemini"),
        ("/token", .googleToken, "google-oauth"),
    ])
    func everyGooglePathRoutesToItsEndpoint(path: String, endpoint: Endpoint, dialect: String) throws {
        let (found, name, _) = try #require(route(path[...]))
        #expect(found == endpoint)
        #expect(name == dialect)
    }

    @Test func capturesNameTheProjectAndModel() throws {
        let (_, _, captures) = try #require(route("/v1/projects/proj-7/locations/europe-west4/publishers/google/models/gemini-1.5-flash-002:generateContent"))
        #expect(captures == ["project": "proj-7", "location": "europe-west4", "model": "gemini-1.5-flash-002"])
        let (_, _, gemini) = try #require(route("/v1/models/gemini-2.0-flash:generateContent"))
        #expect(gemini == ["model": "gemini-2.0-flash"])
    }

    @Test func openAIModelPathsStayOpenAIs() throws {
        let (endpoint, name, captures) = try #require(route("/v1/models/gpt-4o", method: "GET"))
        #expect(endpoint == .openaiModels && name == "openai" && captures["model"] == "gpt-4o")
        #expect(Catalog.dialect(guessedFrom: "/v1/projects/p/nothing").name == "vertex")
        #expect(Catalog.dialect(guessedFrom: "/v1beta/nothing").name == "gemini")
        #expect(Catalog.dialect(guessedFrom: "/v1/nothing").name == "openai")
    }
}
