import DecoyProfile
import Testing

@testable import DecoyEngine

/// The figures `x-ratelimit-*` headers report, on admissions and on refusals.
struct QuotaTests {
    @Test func reportsRemainingAfterThisRequestAndTimeUntilFull() throws {
        let engine = engine(limit: Limit(rpm: 600, burst: .count(10)))
        let quota = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule?.quota)
        #expect(quota.limitRequests == 600)
        #expect(quota.remainingRequests == 9)
        #expect(abs(quota.resetRequests - 0.1) < 1e-9)
        #expect(quota.limitTokens == nil)
    }

    @Test func reportsNothingRemainingOnARefusal() throws {
        let engine = engine(limit: Limit(rpm: 600, burst: .count(10)))
        for _ in 0..<10 { _ = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0) }
        let quota = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).rejection?.quota)
        #expect(quota.remainingRequests == 0)
        #expect(abs(quota.resetRequests - 1) < 1e-9)
    }

    @Test func remainingCountsTheRefillSinceTheLastRequest() throws {
        let engine = engine(limit: Limit(rpm: 600, burst: .count(10)))
        for _ in 0..<10 { _ = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0) }
        // At 0.25 s two and a half requests have refilled; this one takes one.
        let quota = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: nanos(0.25)).schedule?.quota)
        #expect(quota.remainingRequests == 1)
        #expect(abs(quota.resetRequests - 0.85) < 1e-9)
    }

    @Test func reportsTokenFiguresWhenTpmIsSet() throws {
        // tpm 6000 = 100/s with 1 s of burst; the request costs 20 + 10.
        let engine = engine(limit: Limit(rpm: 600, tpm: 6000))
        let quota = try #require(
            engine.plan(chat(promptTokens: 20), headers: NoHeaders(), nowNanos: 0).schedule?.quota)
        #expect(quota.limitTokens == 6000)
        #expect(quota.remainingTokens == 70)
        #expect(abs(quota.resetTokens - 0.3) < 1e-9)
    }

    @Test func aFullBucketIsResetNow() throws {
        let engine = engine(limit: Limit(rpm: 600, burst: .count(10)))
        _ = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0)
        let quota = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: nanos(5)).schedule?.quota)
        #expect(quota.remainingRequests == 9)
        #expect(abs(quota.resetRequests - 0.1) < 1e-9)
    }
}
