import DecoyProfile
import Testing

@testable import DecoyEngine

/// A concurrency cap holds across reloads: the requests it admitted are still running, so the engine that
/// replaces it keeps counting them, and its queue.
struct GateHandOverTests {
    /// A profile with one chat route, `chat`, limited by `limit`.
    static func profile(_ limit: Limit) -> Profile {
        let route = Route(
            name: "chat", match: RouteMatch(endpoints: [.openaiChat]), behavior: Behavior(completionTokens: .fixed(10)),
            limit: limit)
        return Profile(name: "test", seed: 42, routes: [route])
    }

    static func plan(_ engine: Engine, apiKey: Substring? = nil) -> Plan {
        engine.plan(chat(apiKey: apiKey), headers: NoHeaders(), nowNanos: 0)
    }

    @Test func aReloadThatChangesTheRatesKeepsTheCapOfLeasesStillHeld() throws {
        let old = Engine(profile: Self.profile(Limit(rpm: 600, concurrency: 2)))
        let held = try (0..<2).map { _ in try #require(Self.plan(old).schedule?.lease) }
        let new = Engine(profile: Self.profile(Limit(rpm: 1200, tpm: 100_000, concurrency: 2)), previous: old)
        #expect(Self.plan(new).rejection?.kind == .concurrency)
        held[0].release()
        // A plan's lease frees its slot when dropped: keep this one.
        let third = Self.plan(new)
        #expect(third.isServe)
        #expect(Self.plan(new).rejection?.kind == .concurrency)
        withExtendedLifetime((held, third)) {}
    }

    @Test func aReloadThatChangesTheCapStartsAFreshGate() throws {
        let old = Engine(profile: Self.profile(Limit(concurrency: 1)))
        let held = try #require(Self.plan(old).schedule?.lease)
        let new = Engine(profile: Self.profile(Limit(concurrency: 2)), previous: old)
        #expect(Self.plan(new).isServe)
        _ = held
    }

    @Test func waitersQueuedBeforeAReloadAreGrantedByReleasesAfterIt() throws {
        let old = Engine(profile: Self.profile(Limit(rpm: 600, concurrency: 1, queue: 2)))
        let held = try #require(Self.plan(old).schedule?.lease)
        let first = try #require(Self.plan(old).schedule?.lease)
        let new = Engine(profile: Self.profile(Limit(rpm: 6000, concurrency: 1, queue: 2)), previous: old)
        // Queues behind the waiter from before the reload, and the queue is then full.
        let second = try #require(Self.plan(new).schedule?.lease)
        #expect(first.isWaiting && second.isWaiting)
        #expect(Self.plan(new).rejection?.kind == .concurrency)
        held.release()
        #expect(!first.isWaiting && second.isWaiting)
        first.release()
        #expect(!second.isWaiting)
        second.release()
    }

    @Test func aScopedCapHoldsPerKeyAcrossAReload() throws {
        let limit = Limit(rpm: 600, per: [.apiKey], concurrency: 1)
        let old = Engine(profile: Self.profile(limit))
        let held = try #require(Self.plan(old, apiKey: "a").schedule?.lease)
        var changed = limit
        changed.rpm = 60
        let new = Engine(profile: Self.profile(changed), previous: old)
        #expect(Self.plan(new, apiKey: "a").rejection?.kind == .concurrency)
        #expect(Self.plan(new, apiKey: "b").isServe)
        held.release()
        #expect(Self.plan(new, apiKey: "a").isServe)
    }

    @Test func aScopedGateNotYetClaimedSurvivesASecondReload() throws {
        let limit = Limit(rpm: 600, per: [.apiKey], concurrency: 1)
        let first = Engine(profile: Self.profile(limit))
        let held = try #require(Self.plan(first, apiKey: "a").schedule?.lease)
        var changed = limit
        changed.rpm = 60
        // Key "a" sends nothing to the second engine, so its gate is still waiting to be claimed there.
        let second = Engine(profile: Self.profile(changed), previous: first)
        let third = Engine(profile: Self.profile(limit), previous: second)
        #expect(Self.plan(third, apiKey: "a").rejection?.kind == .concurrency)
        held.release()
        #expect(Self.plan(third, apiKey: "a").isServe)
        _ = second
    }
}
