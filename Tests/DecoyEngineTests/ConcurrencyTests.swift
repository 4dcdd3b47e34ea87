import DecoyProfile
import Testing

@testable import DecoyEngine

/// The in-flight cap, its leases, and atomic admission under real threads.
struct ConcurrencyTests {
    @Test func refusesBeyondTheInFlightCap() throws {
        let engine = engine(limit: Limit(concurrency: 2))
        let first = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0)
        let second = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0)
        let rejection = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).rejection)
        #expect(first.schedule?.lease != nil && second.schedule?.lease != nil)
        #expect(rejection.kind == .concurrency)
        #expect(rejection.retryAfter == 1)
    }

    @Test func releasingALeaseFreesTheSlot() throws {
        let engine = engine(limit: Limit(concurrency: 1))
        let lease = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule?.lease)
        #expect(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).rejection?.kind == .concurrency)
        lease.release()
        #expect(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).isServe)
    }

    @Test func releasingALeaseTwiceFreesOneSlot() throws {
        let limiter = RouteLimiter(limit: Limit(concurrency: 2))
        let gate = try #require(limiter.set(for: chat(), headers: NoHeaders(), nowNanos: 0).gate)
        let first = try #require(limiter.admit(chat(), headers: NoHeaders(), tokens: 0, nowNanos: 0).lease)
        let second = limiter.admit(chat(), headers: NoHeaders(), tokens: 0, nowNanos: 0).lease
        first.release()
        first.release()
        #expect(gate.inFlight == 1)
        _ = second
    }

    @Test func droppingALeaseReleasesIt() throws {
        let limiter = RouteLimiter(limit: Limit(concurrency: 1))
        let gate = try #require(limiter.set(for: chat(), headers: NoHeaders(), nowNanos: 0).gate)
        do {
            let admission = limiter.admit(chat(), headers: NoHeaders(), tokens: 0, nowNanos: 0)
            #expect(gate.inFlight == 1)
            _ = admission
        }
        #expect(gate.inFlight == 0)
    }

    @Test func aBucketRefusalGivesTheSlotBack() throws {
        let limiter = RouteLimiter(limit: Limit(rpm: 60, burst: .count(1), concurrency: 5))
        let gate = try #require(limiter.set(for: chat(), headers: NoHeaders(), nowNanos: 0).gate)
        let lease = limiter.admit(chat(), headers: NoHeaders(), tokens: 0, nowNanos: 0).lease
        #expect(limiter.admit(chat(), headers: NoHeaders(), tokens: 0, nowNanos: 0).rejection?.kind == .requests)
        #expect(gate.inFlight == 1)
        _ = lease
    }

    @Test func queuedLeaseIsGrantedWhenTheHolderReleases() throws {
        let engine = engine(limit: Limit(concurrency: 1, queue: 1))
        let held = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule?.lease)
        let waiting = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule?.lease)
        #expect(!held.isWaiting)
        #expect(waiting.isWaiting)
        #expect(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).rejection?.kind == .concurrency)
        let granted = Counter()
        waiting.whenGranted { _ = granted.next() }
        #expect(granted.count == 0)
        held.release()
        #expect(granted.count == 1)
        #expect(!waiting.isWaiting)
    }

    @Test func leavingTheQueueMakesRoomAndNeverRunsTheCallback() throws {
        let engine = engine(limit: Limit(concurrency: 1, queue: 1))
        let held = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule?.lease)
        let leaving = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule?.lease)
        let ran = Counter()
        leaving.whenGranted { _ = ran.next() }
        leaving.release()
        let next = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule?.lease)
        #expect(next.isWaiting)
        held.release()
        #expect(!next.isWaiting)
        #expect(ran.count == 0)
    }

    @Test func fourTasksAtOneInstantNeverOverAdmitTheRequestBucket() async {
        // A bucket of 20,000 keeps the tasks racing on the compare-exchange for most of their 40,000 tries.
        let engine = engine(limit: Limit(rpm: 6000, burst: .count(20_000)))
        let served = await hammer(engine, tasks: 4, attempts: 10_000, request: chat())
        #expect(served.count == 20_000)
    }

    @Test func fourTasksAtOneInstantTakeExactlyMatchingRequestsAndTokens() async throws {
        // Burst 100 requests at 100/s is 1 s: 1000 tokens. Each request costs 15 + 10: 40 fit.
        let limit = Limit(rpm: 6000, tpm: 60000, burst: .count(100))
        let engine = engine(limit: limit)
        let served = await hammer(engine, tasks: 4, attempts: 5000, request: chat(promptTokens: 15))
        #expect(served.count == 40)
        // Every token refusal that raced past the check gave its request back.
        let limiter = try #require(engine.routes.first?.limiter)
        let quota = limiter.set(for: chat(), headers: NoHeaders(), nowNanos: 0).status(now: 0)
        #expect(quota.remainingRequests == 60)
        #expect(quota.remainingTokens == 0)
    }

    @Test func fourTasksNeverHoldMoreSlotsThanTheCap() async {
        let engine = engine(limit: Limit(concurrency: 7))
        let served = await hammer(engine, tasks: 4, attempts: 2000, request: chat())
        #expect(served.count == 7)
    }

    /// Plans `attempts` requests from each of `tasks` tasks, all at time 0; returns the served plans,
    /// which keep their leases held until the caller drops them.
    private func hammer(_ engine: Engine, tasks: Int, attempts: Int, request: SimRequest) async -> [Plan] {
        await withTaskGroup(of: [Plan].self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var served: [Plan] = []
                    for _ in 0..<attempts {
                        let plan = engine.plan(request, headers: NoHeaders(), nowNanos: 0)
                        if plan.isServe { served.append(plan) }
                    }
                    return served
                }
            }
            var all: [Plan] = []
            for await served in group { all += served }
            return all
        }
    }
}
