import DecoyProfile
import Foundation
import NIOCore
import Testing

@testable import DecoyServer

/// Latency is executed with event-loop timers: nothing is written before its time, everything at it.
@Suite struct TimingTests {
    @Test func answersExactlyAtFirstBytePlusPerTokenTime() throws {
        let connection = try Connection(profile: TestProfiles.fixed(firstByte: 0.1, perToken: 0.01, tokens: 5))
        try connection.post("/v1/chat/completions", TestProfiles.chatBody)
        connection.advance(ms: 149)
        #expect(try connection.drain().isEmpty)
        connection.advance(ms: 1)
        let response = try connection.drain()
        #expect(response.hasPrefix("HTTP/1.1 200 OK"))
        #expect(response.contains(#""completion_tokens":5"#))
    }

    @Test func streamsOneChunkPerTokenGap() throws {
        let connection = try Connection(profile: TestProfiles.fixed(firstByte: 0.05, perToken: 0.02, tokens: 4))
        try connection.post("/v1/chat/completions", TestProfiles.streamBody)
        connection.advance(ms: 49)
        #expect(try connection.drain().isEmpty)
        connection.advance(ms: 1)
        let head = try connection.drain()
        #expect(head.contains("HTTP/1.1 200 OK"))
        #expect(head.contains("text/event-stream"))
        #expect(head.occurrences(of: "data: ") == 1)  // the role chunk goes with the head
        for token in 1...3 {
            connection.advance(ms: 19)
            #expect(try connection.drain().isEmpty, "token \(token) came early")
            connection.advance(ms: 1)
            #expect(try connection.drain().occurrences(of: #""delta":{"content":"#) == 1)
        }
        connection.advance(ms: 20)
        let tail = try connection.drain()
        #expect(tail.contains(#""finish_reason":"stop""#))
        #expect(tail.contains(#""choices":[],"usage":{"#))
        #expect(tail.hasSuffix("data: [DONE]\n\n\r\n0\r\n\r\n"))
    }

    @Test func injectedErrorWaitsForFirstByteToo() throws {
        let rule = ErrorRule(trigger: .first(1), outcome: .status(503, retryAfter: 2))
        let connection = try Connection(profile: TestProfiles.fixed(firstByte: 0.03, errors: [rule]))
        try connection.post("/v1/chat/completions", TestProfiles.chatBody)
        connection.advance(ms: 29)
        #expect(try connection.drain().isEmpty)
        connection.advance(ms: 1)
        let response = try connection.drain()
        #expect(response.hasPrefix("HTTP/1.1 503"))
        #expect(response.contains("retry-after: 2"))
        #expect(response.contains("currently overloaded"))
    }
}
