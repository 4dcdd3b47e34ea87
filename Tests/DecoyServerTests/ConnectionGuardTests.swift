import NIOCore
import Testing

@testable import DecoyServer

/// Slow and idle connections close once their timeout has passed, never before, and at most a
/// quarter of the shorter timeout after; an answer in progress is never timed out.
@Suite struct ConnectionGuardTests {
    /// Request timeout 2 s, idle 4 s: checks every 0.5 s.
    static let configuration = DecoyServer.Configuration(requestTimeout: .seconds(2), idleTimeout: .seconds(4))

    func connection(firstByte: Double = 0) throws -> Connection {
        try Connection(profile: TestProfiles.fixed(firstByte: firstByte), configuration: Self.configuration)
    }

    @Test func anIdleConnectionClosesAfterTheIdleTimeout() throws {
        let connection = try connection()
        connection.advance(ms: 3_990)
        #expect(connection.channel.isActive)
        connection.advance(ms: 520)  // 4.51 s: at most a quarter of the shorter timeout late
        #expect(!connection.channel.isActive)
    }

    @Test func aRequestStartedAndNotFinishedClosesAfterTheRequestTimeout() throws {
        let connection = try connection()
        connection.advance(ms: 1_700)  // idle for a while, then the first bytes: the request timeout starts there
        try connection.send("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
        connection.advance(ms: 1_990)
        #expect(connection.channel.isActive)
        connection.advance(ms: 520)
        #expect(!connection.channel.isActive)
    }

    @Test func anAnswerInProgressIsNotTimedOutAndIdleTimeRestartsAfterIt() throws {
        let connection = try connection(firstByte: 10)  // an answer that takes 10 s: longer than both timeouts
        try connection.post("/v1/chat/completions", TestProfiles.chatBody)
        connection.advance(ms: 9_990)
        #expect(connection.channel.isActive)
        connection.advance(ms: 20)
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200 OK"))
        connection.advance(ms: 3_900)  // idle again from the answer on
        #expect(connection.channel.isActive)
        connection.advance(ms: 620)
        #expect(!connection.channel.isActive)
    }
}
