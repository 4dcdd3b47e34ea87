import DecoyProfile
import NIOCore
import Testing

@testable import DecoyServer

/// A stream stops while the client does not read (the channel is not writable) and goes on when it does.
@Suite struct BackpressureTests {
    @Test func aStreamWithoutPausesStopsWhileTheChannelIsNotWritable() throws {
        let connection = try Connection(profile: TestProfiles.fixed(tokens: 3_000))
        connection.channel.isWritable = false
        try connection.post("/v1/chat/completions", TestProfiles.streamBody)
        let held = try connection.drain()
        #expect(held.hasPrefix("HTTP/1.1 200"))
        #expect(held.utf8.count < Responder.sendThreshold + 4096, "\(held.utf8.count) bytes written to a full channel")
        #expect(!held.contains("[DONE]"))

        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        let rest = try connection.drain()
        #expect(rest.contains("data: [DONE]"))
        #expect((held + rest).occurrences(of: #""delta":{"content":"#) == 3_000)
    }

    @Test func aPacedStreamHoldsItsNextEventWhileTheChannelIsNotWritable() throws {
        let connection = try Connection(profile: TestProfiles.fixed(perToken: 0.01, tokens: 10))
        try connection.post("/v1/chat/completions", TestProfiles.streamBody)
        connection.advance(ms: 25)  // two tokens out
        let first = try connection.drain()
        #expect(first.occurrences(of: #""delta":{"content":"#) == 2)
        connection.channel.isWritable = false
        connection.advance(ms: 1_000)
        let held = try connection.drain()
        #expect(held.isEmpty, "\(held)")
        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        connection.advance(ms: 100)
        let rest = try connection.drain()
        #expect((first + rest).occurrences(of: #""delta":{"content":"#) == 10)
        #expect(rest.contains("data: [DONE]"))
    }
}
