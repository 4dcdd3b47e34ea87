import DecoyProfile
import Testing

@testable import DecoyEngine

/// The bucket admits what its limit says, to the request: the burst at one instant, then exactly the rate.
///
/// Expectations are worked out in integers. A bucket of `size` units refilled at `rate` per second, full at
/// t = 0, which takes everything it can at 0 and again at `e`, has taken ⌊size⌋ at 0 and, by `e`,
/// ⌊size + e × rate⌋ in all; no more than ⌊size⌋ at `e` either, since a bucket is never fuller than full.
/// Scaled by 60e9 (one unit at `rpm` lasts 60e9 / rpm ns), size × 60e9 is `rpm × 1e9` for a 1 s burst
/// and `N × 60e9` for a count N, and ⌊size + e × rate⌋ = ⌊(size × 60e9 + e × rpm) / 60e9⌋.
struct GCRAExactnessTests {
    static let unitNanos: Int64 = 60_000_000_000

    /// One case: the limit, and the bucket's size × 60e9.
    struct Sized {
        var rpm: Int64
        var burst: Limit.Burst
        var scaledSize: Int64
        var whole: Int64 { scaledSize / GCRAExactnessTests.unitNanos }
    }

    /// A 1 s burst (at least one request, as `max(1, size)`), and counts of 1 and 5.
    static func cases(rpm: Int64) -> [Sized] {
        [
            Sized(rpm: rpm, burst: .duration(1), scaledSize: max(unitNanos, rpm * 1_000_000_000)),
            Sized(rpm: rpm, burst: .count(1), scaledSize: unitNanos),
            Sized(rpm: rpm, burst: .count(5), scaledSize: 5 * unitNanos),
        ]
    }

    /// Takes one at a time at `now` until refused; returns how many were taken.
    static func drain(_ bucket: GCRABucket, now: Int64) -> Int64 {
        var taken: Int64 = 0
        while case .taken = bucket.take(1, now: now) { taken += 1 }
        return taken
    }

    /// Every rpm from 1 to 10,000 in 20 slices, so the slices run in parallel.
    static let slices = (0..<20).map { $0 * 500 + 1 }

    @Test(arguments: slices)
    func aFullBucketAdmitsExactlyItsBurstAtOneInstantAndSaysWhatRemains(firstRpm: Int) {
        var wrong: [String] = []
        for rpm in Int64(firstRpm)..<Int64(firstRpm + 500) {
            for sized in Self.cases(rpm: rpm) {
                let bucket = GCRABucket(perMinute: Double(rpm), burst: sized.burst)
                let before = bucket.status(tat: bucket.load(), now: 0).remaining
                var taken: Int64 = 0
                var remainingRight = before == Int(sized.whole)
                while case .taken = bucket.take(1, now: 0) {
                    taken += 1
                    if bucket.status(tat: bucket.load(), now: 0).remaining != Int(sized.whole - taken) {
                        remainingRight = false
                    }
                }
                if taken != sized.whole || !remainingRight {
                    wrong.append("rpm \(rpm) \(sized.burst): took \(taken) of \(sized.whole), remaining first \(before)")
                }
            }
        }
        let wrongCount = wrong.count
        #expect(wrongCount == 0, "first: \(wrong.prefix(3))")
    }

    @Test(arguments: slices)
    func afterTheBurstItAdmitsExactlyTheRateTimesTheElapsedTime(firstRpm: Int) {
        var wrong: [String] = []
        for rpm in Int64(firstRpm)..<Int64(firstRpm + 500) {
            // A unit's interval rounded up, and the instants either side of it.
            let interval = (Self.unitNanos + rpm - 1) / rpm
            let elapsed: [Int64] = [1, interval - 1, interval, 1_000_000_000, 7_500_000_000, 60_000_000_000]
            for sized in Self.cases(rpm: rpm) {
                for e in elapsed where e > 0 {
                    let bucket = GCRABucket(perMinute: Double(rpm), burst: sized.burst)
                    let first = Self.drain(bucket, now: 0)
                    let second = Self.drain(bucket, now: e)
                    let expected = min((sized.scaledSize + e * rpm) / Self.unitNanos, 2 * sized.whole)
                    if first + second != expected {
                        wrong.append("rpm \(rpm) \(sized.burst) at \(e) ns: \(first) + \(second), not \(expected)")
                    }
                }
            }
        }
        let wrongCount = wrong.count
        #expect(wrongCount == 0, "first: \(wrong.prefix(3))")
    }

    /// A client that takes everything, often enough that the bucket never fills (every (N − 1) intervals,
    /// with a burst of N), has taken ⌊N + t × rate⌋ by every t: the rate is exact over an hour too.
    @Test(arguments: [1, 7, 11, 59, 61, 90, 360, 420, 660, 997, 6_999, 9_999] as [Int64])
    func aBusyBucketAdmitsExactlyTheRateForAnHour(rpm: Int64) {
        let burst: Int64 = 5
        let bucket = GCRABucket(perMinute: Double(rpm), burst: .count(Double(burst)))
        let step = (burst - 1) * Self.unitNanos / rpm
        var total: Int64 = 0
        var now: Int64 = 0
        var wrong: [String] = []
        while now <= 3_600_000_000_000 {
            total += Self.drain(bucket, now: now)
            let expected = (burst * Self.unitNanos + now * rpm) / Self.unitNanos
            if total != expected { wrong.append("at \(now) ns: \(total), not \(expected)") }
            now += step
        }
        let wrongCount = wrong.count
        #expect(wrongCount == 0, "first: \(wrong.prefix(3))")
    }

    /// Tokens are taken many at a time: takes of `size` at one instant add up to the bucket and no further.
    @Test(arguments: [60_001, 99_999, 1_000_003, 2_000_000, 7_000_000] as [Int64], [1, 3, 7, 1000] as [Int64])
    func aTokenBucketAdmitsExactlyItsBurstInTakesOfAnySize(tpm: Int64, size: Int64) {
        let bucket = GCRABucket(perMinute: Double(tpm), burst: .duration(1))
        var takes: Int64 = 0
        while case .taken = bucket.take(Int(size), now: 0) { takes += 1 }
        // The bucket holds tpm / 60 tokens.
        let whole = tpm / 60
        #expect(takes == whole / size)
        #expect(bucket.status(tat: bucket.load(), now: 0).remaining == Int(whole - takes * size))
    }

    /// A count burst with both rates sizes the token bucket as those requests' time at the request rate.
    @Test(arguments: [1, 7, 11, 600, 997] as [Int64])
    func aCountBurstAdmitsThatManyRequestsOfTheirTokens(rpm: Int64) {
        // 3 requests at rpm; the token rate is 1000 tokens a request, so the token bucket holds 3000.
        let set = BucketSet(limit: Limit(rpm: Double(rpm), tpm: Double(rpm * 1000), burst: .count(3)))
        let admitted = (0..<4).filter { _ in
            if case .admitted = set.admit(tokens: 1000, now: 0) { true } else { false }
        }
        #expect(admitted.count == 3)
        let set2 = BucketSet(limit: Limit(rpm: Double(rpm), tpm: Double(rpm * 1000), burst: .count(3)))
        #expect(set2.status(now: 0).remainingTokens == 3000)
    }
}
