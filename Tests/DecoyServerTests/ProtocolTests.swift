import DecoyProfile
import Foundation
import NIOCore
import Testing

@testable import DecoyServer

/// HTTP/1.1 behaviour: keep-alive, pipelining, body limits, and OpenAI's envelope for bad requests.
@Suite struct ProtocolTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let connection = try Connection(profile: TestProfiles.fixed(firstByte: 0.01))
        let body = TestProfiles.chatBody
        let one = "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let models = "GET /v1/models HTTP/1.1\r\nHost: t\r\n\r\n"
        try connection.send(one + models + one)
        connection.advance(ms: 100)
        let out = try connection.drain()
        #expect(out.occurrences(of: "HTTP/1.1 200 OK") == 3)
        let chat = out.range(of: "chat.completion")!.lowerBound
        let list = out.range(of: #""object":"list""#)!.lowerBound
        #expect(chat < list)
    }

    @Test func malformedJSONGetsOpenAI400() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post("/v1/chat/completions", #"{"model": "x", "messages": [}"#)
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 400 Bad Request"))
        #expect(out.contains(#""type":"invalid_request_error""#))
        #expect(out.contains("could not parse the JSON body"))
    }

    @Test func missingMessagesNamesTheParameter() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post("/v1/chat/completions", #"{"model": "x"}"#)
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 400"))
        #expect(out.contains(#""param":"messages""#))
    }

    @Test func unknownPathGets404AndWrongMethod405() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.send("GET /v1/nothing HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try connection.drain().hasPrefix("HTTP/1.1 404"))
        try connection.send("GET /v1/chat/completions HTTP/1.1\r\nHost: t\r\n\r\n")
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 405"))
        #expect(out.contains("allow: POST"))
    }

    @Test func bodyOverTheLimitGets413AndTheConnectionStillServes() throws {
        let connection = try Connection(profile: TestProfiles.fixed(), maxBodyBytes: 1000)
        try connection.post("/v1/chat/completions", String(repeating: "x", count: 2000))
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 413"))
        #expect(out.contains("request_too_large"))
        try connection.post("/v1/chat/completions", TestProfiles.chatBody)
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))
    }

    @Test func azureDeploymentNamesTheModel() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post(
            "/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21",
            #"{"messages":[{"role":"user","content":"hi"}]}"#)
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 200"))
        #expect(out.contains(#""model":"my-gpt""#))
    }

    @Test func badFaultHeaderIsRefusedWithA400() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post("/v1/chat/completions", TestProfiles.chatBody, headers: ["x-decoy-fault": "explode"])
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 400"))
        #expect(out.contains("x-decoy-fault"))
    }
}
