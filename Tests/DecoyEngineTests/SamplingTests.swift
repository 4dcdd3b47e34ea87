import DecoyProfile
import Testing

@testable import DecoyEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Distributions against their analytic shapes, with a fixed seed and tolerances of about 4σ
/// (a KS bound of 0.02 at 20,000 draws is 1.7 times the 1% critical value, 1.63/√n = 0.0115).
struct SamplingTests {
    /// The 0.99 quantile of the standard normal.
    static let z99 = 2.326_347_874_040_840_8

    private func draws(_ distribution: Distribution, _ n: Int = 20_000, seed: UInt64 = 1) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in distribution.sample(using: &rng) }
    }

    /// Kolmogorov–Smirnov distance between the draws and `cdf`.
    private func ksDistance(_ samples: [Double], _ cdf: (Double) -> Double) -> Double {
        let sorted = samples.sorted()
        let n = Double(sorted.count)
        var distance = 0.0
        for (index, x) in sorted.enumerated() {
            let f = cdf(x)
            distance = max(distance, Double(index + 1) / n - f, f - Double(index) / n)
        }
        return distance
    }

    /// Four binomial standard deviations of a fraction `p` of `n` draws.
    private func fourSigma(_ p: Double, _ n: Int) -> Double { 4 * (p * (1 - p) / Double(n)).squareRoot() }

    private func fraction(_ samples: [Double], _ predicate: (Double) -> Bool) -> Double {
        Double(samples.filter(predicate).count) / Double(samples.count)
    }

    private func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    @Test func lognormalMatchesItsCDF() {
        // median 50 ms, p99 400 ms.
        let mu = log(0.05)
        let sigma = log(0.4 / 0.05) / Self.z99
        let samples = draws(.lognormal(mu: mu, sigma: sigma))
        #expect(ksDistance(samples, { normalCDF((log($0) - mu) / sigma) }) <= 0.02)
    }

    @Test func lognormalHitsItsMedianAndP99() {
        let samples = draws(.lognormal(mu: log(0.05), sigma: log(0.4 / 0.05) / Self.z99))
        #expect(abs(fraction(samples, { $0 < 0.05 }) - 0.5) <= fourSigma(0.5, samples.count))
        #expect(abs(fraction(samples, { $0 < 0.4 }) - 0.99) <= fourSigma(0.99, samples.count))
    }

    @Test func exponentialMatchesItsCDF() {
        let samples = draws(.exponential(mean: 0.1))
        #expect(ksDistance(samples, { 1 - exp(-$0 / 0.1) }) <= 0.02)
    }

    @Test func normalMatchesItsCDFAwayFromZero() {
        let samples = draws(.normal(mean: 1, stddev: 0.1))
        #expect(ksDistance(samples, { normalCDF(($0 - 1) / 0.1) }) <= 0.02)
    }

    @Test func normalIsCutAtZeroNeverNegative() {
        // mean 10 ms, stddev 20 ms: Φ(-0.5) = 30.85% of draws would be negative.
        let samples = draws(.normal(mean: 0.01, stddev: 0.02))
        #expect(samples.allSatisfy { $0 >= 0 })
        #expect(abs(fraction(samples, { $0 == 0 }) - normalCDF(-0.5)) <= fourSigma(0.3085, samples.count))
    }

    @Test func uniformStaysInItsBoundsWithItsMean() {
        let samples = draws(.uniform(min: 0.02, max: 0.06))
        #expect(samples.allSatisfy { $0 >= 0.02 && $0 <= 0.06 })
        let mean = samples.reduce(0, +) / Double(samples.count)
        let sigmaOfMean = 0.04 / (12 * Double(samples.count)).squareRoot()
        #expect(abs(mean - 0.04) <= 4 * sigmaOfMean)
        #expect(ksDistance(samples, { ($0 - 0.02) / 0.04 }) <= 0.02)
    }

    @Test func percentilesHitTheGivenQuantiles() {
        let points = [(0.5, 0.07), (0.9, 0.3), (0.99, 1.2)]
        let samples = draws(.percentiles(points.map { Distribution.Quantile(q: $0.0, value: $0.1) }), 100_000)
        for (q, value) in points {
            #expect(abs(fraction(samples, { $0 < value }) - q) <= fourSigma(q, samples.count), "p\(q)")
        }
    }

    @Test func percentilesInterpolateLinearlyBetweenPoints() {
        // Half way between p50 = 70 ms and p90 = 300 ms in quantile is p70 = 185 ms.
        let points = [Distribution.Quantile(q: 0.5, value: 0.07), .init(q: 0.9, value: 0.3)]
        #expect(abs(Distribution.inverseCDF(points, at: 0.7) - 0.185) < 1e-12)
        #expect(abs(Distribution.inverseCDF(points, at: 0.25) - 0.035) < 1e-12)
        #expect(Distribution.inverseCDF(points, at: 0.95) == 0.3)
    }

    @Test func percentilesMeanIsTheAreaUnderTheInverseCDF() {
        // (0,0)–(0.5,0.07)–(0.9,0.3), then 0.3 up to 1: 0.0175 + 0.074 + 0.03.
        let distribution = Distribution.percentiles([.init(q: 0.5, value: 0.07), .init(q: 0.9, value: 0.3)])
        #expect(abs(distribution.mean - 0.1215) < 1e-12)
        let samples = draws(distribution, 100_000)
        #expect(abs(samples.reduce(0, +) / Double(samples.count) - 0.1215) < 0.002)
    }

    @Test func mixtureChoosesComponentsByWeight() {
        let mixture = Distribution.mixture([
            .init(weight: 3, distribution: .fixed(0.01)), .init(weight: 1, distribution: .fixed(1)),
        ])
        let samples = draws(mixture)
        #expect(abs(fraction(samples, { $0 == 0.01 }) - 0.75) <= fourSigma(0.75, samples.count))
        #expect(samples.allSatisfy { $0 == 0.01 || $0 == 1 })
    }

    @Test func mixtureNeverChoosesAZeroWeight() {
        let mixture = Distribution.mixture([
            .init(weight: 0, distribution: .fixed(5)), .init(weight: 1, distribution: .fixed(1)),
        ])
        #expect(draws(mixture, 10_000).allSatisfy { $0 == 1 })
    }

    @Test func sameSeedDrawsTheSameSequence() {
        let lognormal = Distribution.lognormal(mu: log(0.05), sigma: 0.9)
        #expect(draws(lognormal, 1000, seed: 3) == draws(lognormal, 1000, seed: 3))
        #expect(draws(lognormal, 1000, seed: 3) != draws(lognormal, 1000, seed: 4))
    }

    @Test func gapSamplerDrawsNanosecondsFromItsDistribution() {
        var fixed = GapSampler(distribution: .fixed(0.012))
        #expect(fixed.nextNanos() == 12_000_000)
        var uniform = GapSampler(distribution: .uniform(min: 0.001, max: 0.002), rng: SplitMix64(seed: 9))
        for _ in 0..<1000 {
            let gap = uniform.nextNanos()
            #expect(gap >= 1_000_000 && gap <= 2_000_000)
        }
    }
}
