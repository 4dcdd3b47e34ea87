import DecoyProfile
import Testing

@testable import DecoyEngine

/// The request and token buckets, driven through `Engine.plan` on a simulated clock.
struct RateLimitTests {
    @Test func admitsRateTimesDurationPlusBurstAtFiveTimesTheRate() {
        // rpm 600 = 10/s, burst 10; 50 requests a second for 10 s.
        let engine = engine(limit: Limit(rpm: 600, burst: .count(10)))
        let served = engine.admitted(count: 500, perSecond: 50)
        #expect(abs(served - 110) <= 3)
    }

    @Test func admitsRpmTimesMinutesPlusBurstUnderTwiceTheRateForAMinute() {
        // rpm 600, default burst 1 s (10 requests); 20 requests a second for 60 s.
        let engine = engine(limit: Limit(rpm: 600))
        let served = engine.admitted(count: 1200, perSecond: 20)
        let expected = 600.0 + 10
        #expect(abs(Double(served) - expected) <= expected * 0.01)
    }

    @Test func admitsEveryRequestUnderTheRate() {
        let engine = engine(limit: Limit(rpm: 600, burst: .count(1)))
        #expect(engine.admitted(count: 600, perSecond: 10) == 600)
    }

    @Test func refusesBeyondBurst() {
        let engine = engine(limit: Limit(rpm: 600, burst: .count(10)))
        let served = engine.admitted(count: 11, perSecond: 1e9)
        #expect(served == 10)
    }

    @Test func refusesBeyondBurstWithRequestsKindAndTheExactWait() throws {
        let engine = engine(limit: Limit(rpm: 600, burst: .count(10)))
        for _ in 0..<10 { _ = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0) }
        let rejection = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: nanos(0.03)).rejection)
        #expect(rejection.kind == .requests)
        #expect(abs(rejection.retryAfter - 0.07) < 1e-9)
        #expect(rejection.routeName == "chat")
        #expect(rejection.requested == 1)
    }

    @Test func admitsAgainOnceRetryAfterHasPassed() throws {
        let engine = engine(limit: Limit(rpm: 60, burst: .count(2)))
        _ = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0)
        _ = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0)
        let rejection = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: nanos(0.25)).rejection)
        let retryAt = nanos(0.25 + rejection.retryAfter)
        #expect(engine.plan(chat(), headers: NoHeaders(), nowNanos: retryAt - 1).rejection != nil)
        #expect(engine.plan(chat(), headers: NoHeaders(), nowNanos: retryAt).isServe)
    }

    @Test func burstDurationHoldsThatTimesWorthOfTheRate() {
        // 2 s of 10/s.
        let engine = engine(limit: Limit(rpm: 600, burst: .duration(2)))
        #expect(engine.admitted(count: 25, perSecond: 1e9) == 20)
    }

    @Test func burstBelowOneRequestStillAdmitsOne() {
        // 1 s of 1/min is a fiftieth of a request; the bucket holds at least one.
        let engine = engine(limit: Limit(rpm: 1))
        #expect(engine.admitted(count: 3, perSecond: 1e9) == 1)
    }

    @Test func refusesWithTokensKindWhenTheTokenBucketIsEmpty() throws {
        // tpm 6000 = 100 tokens/s, burst 1 s = 100 tokens; each request costs 40 + 10.
        let engine = engine(limit: Limit(rpm: 6000, tpm: 6000))
        let request = chat(promptTokens: 40)
        #expect(engine.plan(request, headers: NoHeaders(), nowNanos: 0).isServe)
        #expect(engine.plan(request, headers: NoHeaders(), nowNanos: 0).isServe)
        let rejection = try #require(engine.plan(request, headers: NoHeaders(), nowNanos: 0).rejection)
        #expect(rejection.kind == .tokens)
        #expect(rejection.requested == 50)
        #expect(abs(rejection.retryAfter - 0.5) < 1e-9)
        #expect(!rejection.exceedsCapacity)
    }

    @Test func refusesARequestBiggerThanTheWholeTokenBucket() throws {
        let engine = engine(limit: Limit(rpm: 6000, tpm: 6000))
        let rejection = try #require(
            engine.plan(chat(promptTokens: 91), headers: NoHeaders(), nowNanos: 0).rejection)
        #expect(rejection.kind == .tokens)
        #expect(rejection.exceedsCapacity)
        #expect(rejection.requested == 101)
        #expect(engine.plan(chat(promptTokens: 90), headers: NoHeaders(), nowNanos: 0).isServe)
    }

    @Test func aTokenRefusalTakesNothingFromTheRequestBucket() {
        // Two requests of bucket; burst 2 at 2/s is 1 s, so 10 tokens. The first request empties the tokens.
        let limiter = RouteLimiter(limit: Limit(rpm: 120, tpm: 600, burst: .count(2)))
        let set = limiter.set(for: chat(), headers: NoHeaders(), nowNanos: 0)
        #expect(limiter.admit(chat(), headers: NoHeaders(), tokens: 10, nowNanos: 0).isAdmitted)
        #expect(set.status(now: 0).remainingRequests == 1)
        #expect(limiter.admit(chat(), headers: NoHeaders(), tokens: 10, nowNanos: 0).rejection?.kind == .tokens)
        #expect(set.status(now: 0).remainingRequests == 1)
    }

    @Test func aRequestRefusalTakesNothingFromTheTokenBucket() throws {
        let limiter = RouteLimiter(limit: Limit(rpm: 60, tpm: 6000, burst: .count(1)))
        let set = limiter.set(for: chat(), headers: NoHeaders(), nowNanos: 0)
        #expect(limiter.admit(chat(), headers: NoHeaders(), tokens: 10, nowNanos: 0).isAdmitted)
        #expect(set.status(now: 0).remainingTokens == 90)
        #expect(!limiter.admit(chat(), headers: NoHeaders(), tokens: 10, nowNanos: 0).isAdmitted)
        #expect(set.status(now: 0).remainingTokens == 90)
    }

    @Test func reportsTheLongerWaitWhenBothBucketsRefuse() throws {
        // Requests refill in 1 s, tokens in 0.5 s: a request refused by both waits the longer.
        // Burst 1 at 1/s is 1 s: 40 tokens at 40/s. Each request costs 30.
        let engine = engine(limit: Limit(rpm: 60, tpm: 2400, burst: .count(1)))
        let request = chat(promptTokens: 20)
        #expect(engine.plan(request, headers: NoHeaders(), nowNanos: 0).isServe)
        let rejection = try #require(engine.plan(request, headers: NoHeaders(), nowNanos: 0).rejection)
        #expect(rejection.kind == .requests)
        #expect(abs(rejection.retryAfter - 1) < 1e-9)
    }

    @Test func countBurstSizesTheTokenBucketAsThoseRequestsTimeAtTheRequestRate() {
        // burst 10 at rpm 600 is 1 s; at tpm 60000 that is 1000 tokens.
        let limiter = RouteLimiter(limit: Limit(rpm: 600, tpm: 60000, burst: .count(10)))
        let quota = limiter.set(for: chat(), headers: NoHeaders(), nowNanos: 0).status(now: 0)
        #expect(quota.remainingRequests == 10)
        #expect(quota.remainingTokens == 1000)
    }

    @Test func zeroRpmRefusesEveryRequest() throws {
        let engine = engine(limit: Limit(rpm: 0))
        let rejection = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).rejection)
        #expect(rejection.kind == .requests)
        #expect(rejection.exceedsCapacity)
        #expect(engine.admitted(count: 100, perSecond: 1) == 0)
    }

    @Test func replicasDivideTheLimit() throws {
        let engine = engine(limit: Limit(rpm: 600, burst: .count(10)), replicas: 2)
        #expect(engine.admitted(count: 10, perSecond: 1e9) == 5)
        let quota = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).rejection?.quota)
        #expect(quota.limitRequests == 300)
    }

    @Test func routeWithoutLimitReportsNoQuota() throws {
        let engine = engine()
        let schedule = try #require(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule)
        #expect(schedule.quota == nil)
        #expect(schedule.lease == nil)
    }
}

extension RouteLimiter.Admission {
    var isAdmitted: Bool {
        if case .admitted = self { true } else { false }
    }
    var lease: Lease? {
        if case .admitted(_, let lease) = self { lease } else { nil }
    }
    var rejection: Rejection? {
        if case .rejected(let rejection) = self { rejection } else { nil }
    }
}
