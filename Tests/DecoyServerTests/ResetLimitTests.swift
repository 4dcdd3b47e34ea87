import DecoyEngine
import DecoyProfile
import Logging
import Testing

@testable import DecoyServer

/// `POST /_decoy/reset` refills the buckets; requests it admitted before are still running, so their
/// concurrency slots, and the queue behind them, carry over.
struct ResetLimitTests {
    static func context(_ limit: Limit) -> ServerContext {
        ServerContext(profile: TestProfiles.fixed(limit: limit), maxBodyBytes: 1 << 20, logger: Logger(label: "test"))
    }

    static func plan(_ context: ServerContext) -> Plan {
        context.generation.engine.plan(SimRequest(endpoint: .openaiChat), headers: NoHeaders(), nowNanos: 0)
    }

    static func lease(_ plan: Plan) -> Lease? {
        switch plan {
        case .serve(let schedule): schedule.lease
        default: nil
        }
    }

    static func refusedForConcurrency(_ plan: Plan) -> Bool {
        if case .reject(let rejection) = plan { rejection.kind == .concurrency } else { false }
    }

    @Test func aResetRefillsTheBucketsButKeepsTheCapOfRequestsStillRunning() throws {
        // Burst 2: both requests empty the request bucket as well as fill the cap.
        let context = Self.context(Limit(rpm: 60, burst: .count(2), concurrency: 2))
        let held = try (0..<2).map { _ in try #require(Self.lease(Self.plan(context))) }
        context.reset()
        #expect(Self.refusedForConcurrency(Self.plan(context)))
        held[0].release()
        // The slot freed, and the refilled bucket has room. A lease frees its slot when dropped: keep it.
        let third = Self.lease(Self.plan(context))
        #expect(third != nil)
        #expect(Self.refusedForConcurrency(Self.plan(context)))
        withExtendedLifetime((held, third)) {}
    }

    @Test func waitersQueuedBeforeAResetAreGrantedByReleasesAfterIt() throws {
        let context = Self.context(Limit(concurrency: 1, queue: 1))
        let held = try #require(Self.lease(Self.plan(context)))
        let waiting = try #require(Self.lease(Self.plan(context)))
        context.reset()
        #expect(Self.refusedForConcurrency(Self.plan(context)))
        held.release()
        #expect(!waiting.isWaiting)
        waiting.release()
    }
}
