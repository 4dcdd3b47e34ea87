import DecoyProfile
import Testing

@testable import DecoyEngine

/// The bucket itself: one atomic TAT, takes, waits and give-backs.
struct GCRABucketTests {
    static func refused(_ outcome: GCRABucket.Outcome) -> Bool {
        if case .refused = outcome { true } else { false }
    }

    @Test func freshBucketHoldsItsBurst() {
        let bucket = GCRABucket(perMinute: 600, burst: .count(3))
        let outcomes = (0..<4).map { _ in bucket.take(1, now: 0) }
        #expect(outcomes.prefix(3).allSatisfy { if case .taken = $0 { true } else { false } })
        #expect(outcomes[3] == .refused(waitNanos: 100_000_000, tat: bucket.ticks(300_000_000)))
    }

    @Test func waitTakesNothing() {
        let bucket = GCRABucket(perMinute: 600, burst: .count(1))
        #expect(bucket.wait(for: 1, now: 0) == 0)
        #expect(bucket.wait(for: 1, now: 0) == 0)
        _ = bucket.take(1, now: 0)
        #expect(bucket.wait(for: 1, now: 0) == 100_000_000)
    }

    @Test func giveBackRestoresTheBucketExactly() {
        let bucket = GCRABucket(perMinute: 600, burst: .count(2))
        _ = bucket.take(1, now: 0)
        guard case .taken(let tat) = bucket.take(1, now: 0) else {
            Issue.record("the second take should fit")
            return
        }
        bucket.giveBack(1, now: 0, taken: tat)
        #expect(bucket.status(tat: bucket.load(), now: 0).remaining == 1)
    }

    @Test func giveBackAfterAnotherTakeSubtractsOnlyItsOwn() {
        let bucket = GCRABucket(perMinute: 600, burst: .count(3))
        guard case .taken(let tat) = bucket.take(1, now: 0) else {
            Issue.record("the take should fit")
            return
        }
        _ = bucket.take(1, now: 0)
        bucket.giveBack(1, now: 0, taken: tat)
        #expect(bucket.status(tat: bucket.load(), now: 0).remaining == 2)
    }

    @Test func giveBackNeverMakesTheBucketFullerThanFull() {
        let bucket = GCRABucket(perMinute: 600, burst: .count(2))
        guard case .taken(let tat) = bucket.take(1, now: 0) else {
            Issue.record("the take should fit")
            return
        }
        _ = bucket.take(1, now: nanos(5))
        bucket.giveBack(1, now: nanos(5), taken: tat)
        #expect(bucket.load() >= bucket.ticks(nanos(5)))
        #expect(bucket.status(tat: bucket.load(), now: nanos(5)).remaining == 2)
    }

    @Test func aRacedTokenRefusalGivesTheRequestBack() {
        // Burst 2 at 1/s is 2 s: 20 tokens at 10/s. Empty the tokens, then take as if the check had passed.
        let set = BucketSet(limit: Limit(rpm: 60, tpm: 600, burst: .count(2)))
        _ = set.admit(tokens: 20, now: 0)
        #expect(set.status(now: 0).remainingRequests == 1)
        #expect(set.take(tokens: 20, now: 0).rejection?.kind == .tokens)
        #expect(set.status(now: 0).remainingRequests == 1)
    }

    @Test func veryHighRatesStillChargeEveryUnit() {
        // 10^15 a minute is a unit every 60 fs: below a nanosecond, and still not free.
        let bucket = GCRABucket(perMinute: 1e15, burst: .count(1))
        let first = bucket.take(1, now: 0)
        let second = bucket.take(1, now: 0)
        #expect(first == .taken(tat: bucket.emissionTicks))
        #expect(Self.refused(second))
        #expect(bucket.increment(0) == 0)
        // A nanosecond later, 16,666 units have come back; the bucket holds one.
        #expect(bucket.status(tat: bucket.load(), now: 1).remaining == 1)
    }

    @Test func aFractionalRateIsKeptExactly() {
        // 0.5 a minute: one every 2 minutes.
        let bucket = GCRABucket(perMinute: 0.5, burst: .count(1))
        _ = bucket.take(1, now: 0)
        #expect(bucket.wait(for: 1, now: 0) == 120_000_000_000)
        #expect(bucket.wait(for: 1, now: 119_999_999_999) == 1)
    }

    @Test func aRateThatIsNotPositiveTakesNothing() {
        for rate in [0, -5, Double.infinity, Double.nan] {
            let bucket = GCRABucket(perMinute: rate, burst: .duration(1))
            #expect(bucket.neverFits(1))
            #expect(Self.refused(bucket.take(1, now: 0)))
            #expect(bucket.status(tat: bucket.load(), now: 0).remaining == 0)
        }
    }

    @Test func aBurstThatIsNotFiniteHoldsOneUnit() {
        for burst in [Limit.Burst.duration(.infinity), .count(.infinity), .count(.nan), .duration(-1)] {
            let bucket = GCRABucket(perMinute: 600, burst: burst)
            #expect(bucket.status(tat: bucket.load(), now: 0).remaining == 1)
        }
    }

    @Test func aFractionalBurstAdmitsItsWholePartAndCarriesTheRest() {
        // rpm 90 (an interval of 2/3 s) with a 1 s burst holds 1.5: one at once, the next 1/3 s later.
        let bucket = GCRABucket(perMinute: 90, burst: .duration(1))
        let first = bucket.take(1, now: 0)
        #expect(first == .taken(tat: bucket.emissionTicks))
        #expect(bucket.wait(for: 1, now: 0) == 333_333_334)
        let early = bucket.take(1, now: 333_333_333)
        let onTime = bucket.take(1, now: 333_333_334)
        #expect(Self.refused(early))
        #expect(onTime == .taken(tat: 2 * bucket.emissionTicks))
    }

    @Test func hugeCostsSaturateInsteadOfOverflowing() {
        let bucket = GCRABucket(perMinute: 1, burst: .count(1))
        #expect(bucket.neverFits(Int.max))
        #expect(bucket.wait(for: Int.max, now: 0) > 0)
    }
}
