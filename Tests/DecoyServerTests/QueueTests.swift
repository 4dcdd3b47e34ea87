import DecoyEngine
import DecoyProfile
import Logging
import Testing

@testable import DecoyServer

/// `concurrency` with a `queue`: requests beyond the cap wait for a slot; beyond the queue, 429.
@Suite struct QueueTests {
    static func queued() -> ServerContext {
        let profile = TestProfiles.fixed(firstByte: 0.1, limit: Limit(concurrency: 1, queue: 1))
        return ServerContext(profile: profile, maxBodyBytes: 1 << 20, logger: Logger(label: "test"))
    }

    @Test func waitsForASlotThenRefusesBeyondTheQueue() throws {
        let shared = Self.queued()
        let profile = shared.generation.engine.profile
        let first = try Connection(profile: profile, shared: shared)
        let second = try Connection(profile: profile, shared: shared)
        let third = try Connection(profile: profile, shared: shared)
        try first.post("/v1/chat/completions", TestProfiles.chatBody)
        try second.post("/v1/chat/completions", TestProfiles.chatBody)
        try third.post("/v1/chat/completions", TestProfiles.chatBody)
        let refused = try third.drain()
        #expect(refused.hasPrefix("HTTP/1.1 429"))
        #expect(refused.contains("Too many concurrent requests"))

        first.advance(ms: 100)
        #expect(try first.drain().hasPrefix("HTTP/1.1 200"))  // frees the slot for the second
        second.advance(ms: 99)
        #expect(try second.drain().isEmpty)  // its own first byte starts when it gets the slot
        second.advance(ms: 1)
        #expect(try second.drain().hasPrefix("HTTP/1.1 200"))
    }

    @Test func aClientThatLeavesTheQueueFreesItsPlace() throws {
        let shared = Self.queued()
        let profile = shared.generation.engine.profile
        let first = try Connection(profile: profile, shared: shared)
        let leaving = try Connection(profile: profile, shared: shared)
        try first.post("/v1/chat/completions", TestProfiles.chatBody)
        try leaving.post("/v1/chat/completions", TestProfiles.chatBody)
        _ = try leaving.channel.finish()  // the client goes away while queued
        let next = try Connection(profile: profile, shared: shared)
        try next.post("/v1/chat/completions", TestProfiles.chatBody)
        #expect(try next.drain().isEmpty)  // queued, not refused
        first.advance(ms: 100)
        _ = try first.drain()
        next.advance(ms: 100)
        #expect(try next.drain().hasPrefix("HTTP/1.1 200"))
    }
}
