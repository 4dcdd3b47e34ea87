import DecoyProfile
import Testing

@testable import DecoyEngine

/// The bucket itself: one atomic TAT, takes, waits and give-backs.
struct GCRABucketTests {
    @Test func freshBucketHoldsItsBurst() {
        let bucket = GCRABucket(perMinute: 600, burst: .count(3))
        let outcomes = (0..<4).map { _ in bucket.take(1, now: 0) }
        #expect(outcomes.prefix(3).allSatisfy { if case .taken = $0 { true } else { false } })
        #expect(outcomes[3] == .refused(waitNanos: 100_000_000, tat: 300_000_000))
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
        #expect(bucket.load() >= nanos(5))
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

    @Test func veryHighRatesStillCostAtLeastANanosecond() {
        let bucket = GCRABucket(perMinute: 1e15, burst: .count(1))
        #expect(bucket.increment(1) == 1)
        #expect(bucket.increment(0) == 0)
    }

    @Test func hugeCostsSaturateInsteadOfOverflowing() {
        let bucket = GCRABucket(perMinute: 1, burst: .count(1))
        #expect(bucket.neverFits(Int.max))
        #expect(bucket.wait(for: Int.max, now: 0) > 0)
    }
}
