import DecoyProfile
import Foundation
import NIOCore
import Testing

@testable import DecoyServer

/// Faults happen on the socket as promised: resets send nothing, stalls never answer, truncation cuts.
@Suite struct FaultTests {
    @Test func resetClosesWithoutAByte() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post("/v1/chat/completions", TestProfiles.chatBody, headers: ["x-decoy-fault": "reset"])
        connection.advance(ms: 10)
        #expect(try connection.drain().isEmpty)
        #expect(!connection.channel.isActive)
    }

    @Test func stallNeverAnswers() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post("/v1/chat/completions", TestProfiles.chatBody, headers: ["x-decoy-fault": "stall"])
        connection.advance(ms: 600_000)
        #expect(try connection.drain().isEmpty)
        #expect(connection.channel.isActive)
    }

    @Test func truncateCutsAStreamHalfwayAndCloses() throws {
        let connection = try Connection(profile: TestProfiles.fixed(tokens: 10))
        try connection.post("/v1/chat/completions", TestProfiles.streamBody, headers: ["x-decoy-fault": "truncate"])
        connection.advance(ms: 10)
        let out = try connection.drain()
        #expect(out.occurrences(of: #""delta":{"content":"#) == 5)
        #expect(!out.contains("[DONE]"))
        #expect(!connection.channel.isActive)
    }

    @Test func truncateCutsABodyHalfway() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post("/v1/chat/completions", TestProfiles.chatBody, headers: ["x-decoy-fault": "truncate"])
        connection.advance(ms: 10)
        let out = try connection.drain()
        let parts = out.components(separatedBy: "\r\n\r\n")
        let length = Int(out.components(separatedBy: "content-length: ")[1].prefix { $0.isNumber })!
        #expect(parts[1].utf8.count == length / 2)
        #expect(!connection.channel.isActive)
    }

    @Test func streamErrorSendsTheInBandErrorThenEnds() throws {
        let connection = try Connection(profile: TestProfiles.fixed(tokens: 6))
        try connection.post("/v1/chat/completions", TestProfiles.streamBody, headers: ["x-decoy-fault": "stream_error"])
        connection.advance(ms: 10)
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 200"))
        #expect(out.occurrences(of: #""delta":{"content":"#) == 3)
        #expect(out.contains(#"data: {"error":{"message":"The server had an error"#))
        #expect(!out.contains("[DONE]"))
        #expect(out.hasSuffix("0\r\n\r\n"))
    }

    @Test func malformedIsA200ThatIsNotJSON() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post("/v1/chat/completions", TestProfiles.chatBody, headers: ["x-decoy-fault": "malformed"])
        connection.advance(ms: 10)
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 200"))
        let body = out.components(separatedBy: "\r\n\r\n")[1]
        #expect((try? JSONSerialization.jsonObject(with: Data(body.utf8))) == nil)
    }

    @Test func firstTwoFailThenSucceed() throws {
        let rule = ErrorRule(trigger: .first(2), outcome: .status(429, retryAfter: 1))
        let connection = try Connection(profile: TestProfiles.fixed(errors: [rule]))
        var statuses: [String] = []
        for _ in 0..<4 {
            try connection.post("/v1/chat/completions", TestProfiles.chatBody)
            connection.advance(ms: 1)
            statuses.append(String(try connection.drain().prefix(12)))
        }
        #expect(statuses == ["HTTP/1.1 429", "HTTP/1.1 429", "HTTP/1.1 200", "HTTP/1.1 200"])
    }
}
