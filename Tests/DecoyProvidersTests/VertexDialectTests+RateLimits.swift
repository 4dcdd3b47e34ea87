import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyProviders

/// The 429s of Vertex AI and the Gemini API: no `retry-after` of their own (docs/WIRE.md), the Gemini
/// API's wait in its body, and a profile's `retry_after` where it asks for the header.
extension VertexDialectTests {
    @Test func aRefusalIsResourceExhaustedWithoutRetryAfterAsVertexSendsIt() throws {
        let parsed = try parse(.vertexGenerate, Self.hello).get()
        let reply = vertex.render(Rejection(kind: .requests, retryAfter: 1.2, quota: QuotaStatus(limitRequests: 600), routeName: "r"), for: parsed)
        #expect(reply.status == 429)
        #expect(!reply.headers.contains { $0.0 == "retry-after" })
        #expect(reply.headers.map(\.0) == ["content-type"])
        let error = try #require(try body(reply)["error"] as? [String: Any])
        #expect(error["status"] as? String == "RESOURCE_EXHAUSTED")
        #expect(
            error["message"] as? String
                == "Resource exhausted. Please try again later. Please refer to "
                + "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.")
        #expect(error["details"] == nil)
    }

    @Test func aLimitWithRetryAfterHeaderAddsAnIntegerRetryAfter() throws {
        var rejection = Rejection(kind: .requests, retryAfter: 1.2, quota: QuotaStatus(limitRequests: 600), routeName: "r")
        rejection.retryAfterHeader = .header
        let reply = vertex.render(rejection, for: try parse(.vertexGenerate, Self.hello).get())
        #expect(reply.headers.contains { $0 == ("retry-after", "2") })
        let geminiReply = gemini.render(rejection, for: try parse(.geminiGenerate, Self.hello, dialect: gemini).get())
        #expect(geminiReply.headers.contains { $0 == ("retry-after", "2") })
        rejection.retryAfterHeader = .noHeader
        #expect(!vertex.render(rejection, for: try parse(.vertexGenerate, Self.hello).get()).headers.contains { $0.0 == "retry-after" })
    }

    @Test func theGeminiAPIs429NamesTheWaitInItsBodyNotAHeader() throws {
        let parsed = try parse(.geminiGenerate, Self.hello, dialect: gemini).get()
        let reply = gemini.render(
            Rejection(kind: .requests, retryAfter: 36.2, quota: QuotaStatus(limitRequests: 600), routeName: "r"), for: parsed)
        #expect(!reply.headers.contains { $0.0 == "retry-after" })
        let error = try #require(try body(reply)["error"] as? [String: Any])
        let message = try #require(error["message"] as? String)
        #expect(message.hasPrefix("You exceeded your current quota, please check your plan and billing details."))
        #expect(message.contains("\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_requests_per_model, limit: 600, model: gemini-1.5-pro\n"))
        #expect(message.hasSuffix("Please retry in 36.2s."))
        let details = try #require(error["details"] as? [[String: Any]])
        #expect(details.map { $0["@type"] as? String } == [
            "type.googleapis.com/google.rpc.Help", "type.googleapis.com/google.rpc.QuotaFailure",
            "type.googleapis.com/google.rpc.RetryInfo",
        ])
        let violation = try #require((details[1]["violations"] as? [[String: Any]])?.first)
        #expect(violation["quotaId"] as? String == "GenerateRequestsPerMinutePerProjectPerModel")
        #expect(violation["quotaDimensions"] as? [String: String] == ["location": "global", "model": "gemini-1.5-pro"])
        #expect(details[2]["retryDelay"] as? String == "37s")
    }

    @Test func aTokenRefusalNamesTheInputTokenQuota() throws {
        let parsed = try parse(.geminiGenerate, Self.hello, dialect: gemini).get()
        let reply = gemini.render(
            Rejection(kind: .tokens, retryAfter: 2, quota: QuotaStatus(limitTokens: 1000), routeName: "r", requested: 50), for: parsed)
        let details = try #require((try body(reply)["error"] as? [String: Any])?["details"] as? [[String: Any]])
        let violation = try #require((details[1]["violations"] as? [[String: Any]])?.first)
        #expect(violation["quotaMetric"] as? String == "generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count")
    }

    @Test func anInjected429OfTheGeminiAPICarriesHelpAndRetryInfoOnly() throws {
        let reply = gemini.render(gemini.error(.injected(status: 429, retryAfter: nil)))
        #expect(!reply.headers.contains { $0.0 == "retry-after" })
        let details = try #require((try body(reply)["error"] as? [String: Any])?["details"] as? [[String: Any]])
        #expect(details.count == 2)
        #expect(details[1]["retryDelay"] as? String == "37s")
    }

    @Test func aRulesRetryAfterIsSentAsTheProfileAsks() throws {
        let reply = vertex.render(vertex.error(.injected(status: 503, retryAfter: 2)))
        #expect(reply.headers.contains { $0 == ("retry-after", "2") })
    }
}
