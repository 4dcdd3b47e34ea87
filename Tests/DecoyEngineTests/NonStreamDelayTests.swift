import DecoyProfile
import Testing

@testable import DecoyEngine

/// A request's work is bounded: completion tokens have a ceiling, and a non-stream answer's delay is
/// drawn without a gap per token, with the sum's mean and spread kept.
struct NonStreamDelayTests {
    /// How many draws took `after` from `before` (SplitMix64 steps its state by one constant per draw), up
    /// to `limit`; `nil` beyond.
    static func draws(from before: SplitMix64, to after: SplitMix64, limit: Int) -> Int? {
        (0...limit).first { before.state &+ UInt64($0) &* 0x9E37_79B9_7F4A_7C15 == after.state }
    }

    @Test func completionTokensAreHeldToTheCeiling() {
        let huge = engine(behavior: Behavior(completionTokens: .fixed(1e12)))
        #expect(huge.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule?.completionTokens == 131_072)
        var asking = chat()
        asking.maxTokens = 1 << 40
        #expect(huge.plan(asking, headers: NoHeaders(), nowNanos: 0).schedule?.completionTokens == 131_072)
        asking.maxTokens = 50
        #expect(huge.plan(asking, headers: NoHeaders(), nowNanos: 0).schedule?.completionTokens == 50)
    }

    @Test func aLongNonStreamAnswerDrawsABoundedNumberOfGaps() {
        let rng = SplitMix64(seed: 7)
        var schedule = Schedule(
            completionTokens: 100_000, gaps: GapSampler(distribution: .exponential(mean: 0.01), rng: rng))
        _ = schedule.nonStreamDelayNanos()
        let draws = Self.draws(from: rng, to: schedule.gaps.rng, limit: 1_000)
        #expect(draws != nil && draws! <= 300, "drew \(draws.map(String.init) ?? "more than 1000") times")
    }

    @Test func fixedGapsSumExactly() {
        var schedule = Schedule(
            firstByteNanos: 5, completionTokens: 131_072, gaps: GapSampler(distribution: .fixed(0.012)))
        #expect(schedule.nonStreamDelayNanos() == 5 + 131_072 * 12_000_000)
    }

    @Test func aShortAnswerSumsItsOwnDraws() {
        let rng = SplitMix64(seed: 11)
        var schedule = Schedule(
            firstByteNanos: 3, completionTokens: 200, gaps: GapSampler(distribution: .lognormal(mu: -4, sigma: 0.5), rng: rng))
        var gaps = GapSampler(distribution: .lognormal(mu: -4, sigma: 0.5), rng: rng)
        var expected: Int64 = 3
        for _ in 0..<200 { expected += gaps.nextNanos() }
        #expect(schedule.nonStreamDelayNanos() == expected)
    }

    /// Against the sum of every gap drawn one by one (seeded; 800 answers of 1,000 tokens each way), the
    /// mean and standard deviation agree within five standard errors of each estimate.
    @Test(arguments: [
        Distribution.exponential(mean: 0.012),
        .normal(mean: 0.012, stddev: 0.004),
        .normal(mean: 0.002, stddev: 0.004),
        .uniform(min: 0.005, max: 0.030),
        .lognormal(mu: -4.5, sigma: 0.8),
        .percentiles([Distribution.Quantile(q: 0.5, value: 0.01), Distribution.Quantile(q: 0.9, value: 0.03),
                      Distribution.Quantile(q: 0.99, value: 0.2)]),
        .mixture([Distribution.Component(weight: 9, distribution: .fixed(0.01)),
                  Distribution.Component(weight: 1, distribution: .exponential(mean: 0.1))]),
    ])
    func theSumKeepsTheMeanAndSpreadOfDrawingEveryGap(distribution: Distribution) {
        let tokens = 1_000
        let answers = 800
        func moments(_ values: [Double]) -> (mean: Double, stddev: Double) {
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            return (mean, variance.squareRoot())
        }
        var seeds = SplitMix64(seed: 2026)
        let quick = (0..<answers).map { _ in
            var schedule = Schedule(
                completionTokens: tokens, gaps: GapSampler(distribution: distribution, rng: SplitMix64(seed: seeds.next())))
            return Double(schedule.nonStreamDelayNanos()) / 1e9
        }
        let slow = (0..<answers).map { _ in
            var gaps = GapSampler(distribution: distribution, rng: SplitMix64(seed: seeds.next()))
            var total: Int64 = 0
            for _ in 0..<tokens { total += gaps.nextNanos() }
            return Double(total) / 1e9
        }
        let (quickMean, quickStddev) = moments(quick)
        let (slowMean, slowStddev) = moments(slow)
        // Standard errors of a difference of two means and of two standard deviations (near-normal sums).
        let meanError = slowStddev * (2.0 / Double(answers)).squareRoot()
        let stddevError = slowStddev * (1.0 / Double(answers)).squareRoot()
        #expect(abs(quickMean - slowMean) <= 5 * meanError, "means \(quickMean) vs \(slowMean)")
        #expect(abs(quickStddev - slowStddev) <= 5 * stddevError, "stddevs \(quickStddev) vs \(slowStddev)")
    }
}
