import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyServer

/// A rate-limited Vertex route refuses in Vertex's words, on the engine's clock.
@Suite struct VertexLimitTests {
    static let path = "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-1.5-pro:generateContent"
    static let body = #"{"contents":[{"role":"user","parts":[{"text":"hello"}]}],"generationConfig":{"maxOutputTokens":3}}"#

    static func profile(limit: Limit) -> Profile {
        let behavior = Behavior(firstByte: .fixed(0), perToken: .fixed(0), completionTokens: .fixed(3))
        let route = Route(name: "vertex", match: RouteMatch(endpoints: [.vertexGenerate]), behavior: behavior, limit: limit)
        return Profile(name: "vertex-limit", seed: 1, defaults: behavior, routes: [route])
    }

    @Test func rpm600Burst10At50PerSecondFor10SecondsAdmits110() throws {
        let connection = try Connection(profile: Self.profile(limit: Limit(rpm: 600, burst: .count(10))))
        let token = try VertexAuthTests.issuedToken(connection)
        var admitted = 0
        var refused = 0
        for _ in 0..<500 {
            try connection.post(Self.path, Self.body, headers: ["authorization": "Bearer \(token)"])
            let response = try connection.drain()
            if response.hasPrefix("HTTP/1.1 200") {
                admitted += 1
            } else {
                #expect(response.hasPrefix("HTTP/1.1 429"))
                #expect(!response.lowercased().contains("\r\nretry-after:"), "Vertex AI's 429 names no wait")
                let error = try #require(try Connection.jsonBody(response)["error"] as? [String: Any])
                #expect(error["code"] as? Int == 429)
                #expect(error["status"] as? String == "RESOURCE_EXHAUSTED")
                #expect((error["message"] as? String)?.hasPrefix("Resource exhausted. Please try again later.") == true)
                refused += 1
            }
            connection.advance(ms: 20)
        }
        #expect((107...113).contains(admitted), "admitted \(admitted)")
        #expect(admitted + refused == 500)
    }

    @Test func aLimitWithRetryAfterHeaderAddsTheIntegerHeaderToItsRefusals() throws {
        let limit = Limit(rpm: 60, burst: .count(1), retryAfter: .header)
        let connection = try Connection(profile: Self.profile(limit: limit))
        let token = try VertexAuthTests.issuedToken(connection)
        try connection.post(Self.path, Self.body, headers: ["authorization": "Bearer \(token)"])
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))
        try connection.post(Self.path, Self.body, headers: ["authorization": "Bearer \(token)"])
        let refused = try connection.drain()
        #expect(refused.hasPrefix("HTTP/1.1 429"))
        #expect(refused.contains("\r\nretry-after: 1\r\n"))
    }
}
