import DecoyProfile
import Testing

@testable import DecoyEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Each distribution, drawn 200,000 times with a fixed seed, gives back the parameters the profile
/// wrote — median and p99, or mean and standard deviation — within 2%, and passes a KS test against
/// its CDF (the 1% critical value at this size is 1.63/√n ≈ 0.0036; the bound here is 0.006).
struct DistributionParameterTests {
    static let n = 200_000
    static let z99 = 2.326_347_874_040_840_8
    static let ksBound = 0.006

    let samples: (Distribution) -> [Double] = { distribution in
        var rng = SplitMix64(seed: 42)
        return (0..<DistributionParameterTests.n).map { _ in distribution.sample(using: &rng) }.sorted()
    }

    func quantile(_ sorted: [Double], _ q: Double) -> Double { sorted[Int(q * Double(sorted.count - 1))] }
    func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
    func stddev(_ xs: [Double]) -> Double {
        let m = mean(xs)
        return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)).squareRoot()
    }
    func within2(_ value: Double, _ expected: Double) -> Bool { abs(value / expected - 1) <= 0.02 }
    func ks(_ sorted: [Double], _ cdf: (Double) -> Double) -> Double {
        let n = Double(sorted.count)
        var d = 0.0
        for (i, x) in sorted.enumerated() {
            let f = cdf(x)
            d = max(d, Double(i + 1) / n - f, f - Double(i) / n)
        }
        return d
    }
    func phi(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    @Test func lognormalGivesBackMedianAndP99() {
        let mu = log(0.05), sigma = log(0.4 / 0.05) / Self.z99
        let xs = samples(.lognormal(mu: mu, sigma: sigma))
        #expect(within2(quantile(xs, 0.5), 0.05))
        #expect(within2(quantile(xs, 0.99), 0.4))
        #expect(ks(xs) { phi((log($0) - mu) / sigma) } <= Self.ksBound)
    }

    @Test func normalGivesBackMeanAndStddev() {
        let xs = samples(.normal(mean: 0.012, stddev: 0.003))
        #expect(within2(mean(xs), 0.012))
        #expect(within2(stddev(xs), 0.003))
        #expect(ks(xs) { phi(($0 - 0.012) / 0.003) } <= Self.ksBound)
    }

    @Test func exponentialGivesBackItsMeanAndMedian() {
        let xs = samples(.exponential(mean: 0.1))
        #expect(within2(mean(xs), 0.1))
        #expect(within2(quantile(xs, 0.5), 0.1 * log(2)))
        #expect(ks(xs) { 1 - exp(-$0 / 0.1) } <= Self.ksBound)
    }

    @Test func uniformGivesBackMeanAndStddev() {
        let xs = samples(.uniform(min: 0.02, max: 0.06))
        #expect(within2(mean(xs), 0.04))
        #expect(within2(stddev(xs), 0.04 / 12.0.squareRoot()))
        #expect(ks(xs) { min(1, max(0, ($0 - 0.02) / 0.04)) } <= Self.ksBound)
    }

    @Test func percentilesGiveBackEveryPoint() {
        let points: [Distribution.Quantile] = [.init(q: 0.5, value: 0.07), .init(q: 0.9, value: 0.3), .init(q: 0.99, value: 1.2)]
        let xs = samples(.percentiles(points))
        for point in points { #expect(within2(quantile(xs, point.q), point.value), "p\(point.q)") }
        // The CDF is piecewise-linear through (0,0) and the points, then flat at 1.2 s above p99.
        let knots = [(0.0, 0.0)] + points.map { ($0.value, $0.q) }
        let cdf: (Double) -> Double = { x in
            if x >= 1.2 { return 1 }
            for (a, b) in zip(knots, knots.dropFirst()) where x <= b.0 {
                return a.1 + (x - a.0) / (b.0 - a.0) * (b.1 - a.1)
            }
            return 1
        }
        #expect(ks(xs.filter { $0 < 1.2 }, { cdf($0) / 0.99 }) <= Self.ksBound)
    }

    @Test func mixtureGivesBackItsWeightsAndComponents() {
        let xs = samples(.mixture([
            .init(weight: 0.8, distribution: .normal(mean: 0.1, stddev: 0.01)),
            .init(weight: 0.2, distribution: .normal(mean: 1.0, stddev: 0.05)),
        ]))
        let fast = xs.filter { $0 < 0.5 }, slow = xs.filter { $0 >= 0.5 }
        #expect(within2(Double(fast.count) / Double(xs.count), 0.8))
        #expect(within2(mean(fast), 0.1) && within2(stddev(fast), 0.01))
        #expect(within2(mean(slow), 1.0) && within2(stddev(slow), 0.05))
        #expect(ks(xs) { 0.8 * phi(($0 - 0.1) / 0.01) + 0.2 * phi(($0 - 1.0) / 0.05) } <= Self.ksBound)
    }
}
