import DecoyProfile

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Distribution {
    /// One draw; never negative.
    public func sample(using rng: inout SplitMix64) -> Double {
        switch self {
        case .fixed(let v):
            return max(0, v)
        case .uniform(let lo, let hi):
            return max(0, lo + rng.unit() * (hi - lo))
        case .normal(let mean, let stddev):
            return max(0, mean + stddev * Self.standardNormal(&rng))
        case .lognormal(let mu, let sigma):
            return exp(mu + sigma * Self.standardNormal(&rng))
        case .exponential(let mean):
            return -mean * log(1 - rng.unit())
        case .percentiles(let points):
            return Self.inverseCDF(points, at: rng.unit())
        case .mixture(let components):
            let total = components.reduce(0) { $0 + $1.weight }
            var pick = rng.unit() * total
            for component in components {
                pick -= component.weight
                if pick < 0 { return component.distribution.sample(using: &rng) }
            }
            return components.last?.distribution.sample(using: &rng) ?? 0
        }
    }

    /// The mean, where it has a closed form; used for reporting, not for drawing.
    public var mean: Double {
        switch self {
        case .fixed(let v): v
        case .uniform(let lo, let hi): (lo + hi) / 2
        case .normal(let mean, _): mean
        case .lognormal(let mu, let sigma): exp(mu + sigma * sigma / 2)
        case .exponential(let mean): mean
        case .percentiles(let points): Self.percentilesMean(points)
        case .mixture(let components):
            components.reduce(0) { $0 + $1.weight * $1.distribution.mean }
                / max(components.reduce(0) { $0 + $1.weight }, .leastNonzeroMagnitude)
        }
    }

    /// The area under `inverseCDF`: a trapezoid per segment, and the last value held up to `u = 1`.
    static func percentilesMean(_ points: [Quantile]) -> Double {
        guard let first = points.first else { return 0 }
        var previous = first.q == 0 ? first : Quantile(q: 0, value: 0)
        var area = 0.0
        for point in points where point.q > previous.q {
            let q = min(point.q, 1)
            area += (q - previous.q) * (previous.value + point.value) / 2
            previous = Quantile(q: q, value: point.value)
        }
        return area + (1 - previous.q) * previous.value
    }

    /// Box–Muller; one of the pair is dropped to keep the generator state a single word.
    static func standardNormal(_ rng: inout SplitMix64) -> Double {
        let u1 = 1 - rng.unit()
        let u2 = rng.unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Piecewise-linear between the given points; `(0, 0)` is implied below the first unless a `p0`
    /// is given, and draws above the last point take its value unless a `p100` is given.
    static func inverseCDF(_ points: [Quantile], at u: Double) -> Double {
        guard let first = points.first else { return 0 }
        var previous = first.q == 0 ? first : Quantile(q: 0, value: 0)
        for point in points where point.q > previous.q {
            if u <= point.q {
                let t = (u - previous.q) / (point.q - previous.q)
                return previous.value + t * (point.value - previous.value)
            }
            previous = point
        }
        return previous.value
    }
}

/// Draws the gaps between stream chunks from its own generator, so the Responder can pace a stream
/// on its event loop with no shared state.
public struct GapSampler: Sendable {
    public var distribution: Distribution
    public var rng: SplitMix64

    public init(distribution: Distribution = .zero, rng: SplitMix64 = SplitMix64(seed: 0)) {
        self.distribution = distribution
        self.rng = rng
    }

    /// The next gap, in nanoseconds.
    public mutating func nextNanos() -> Int64 {
        if case .fixed(let v) = distribution { return nanoseconds(v) }
        return nanoseconds(distribution.sample(using: &rng))
    }
}

/// Seconds as nanoseconds, held to [0, 10^18] (31 years): a long-tailed draw (a lognormal with a wide
/// p99 reaches e^(8.6 σ) times its median) must not trap converting to `Int64`.
func nanoseconds(_ seconds: Double) -> Int64 {
    let nanos = seconds * 1e9
    guard nanos > 0 else { return 0 }  // also NaN
    return nanos < 1e18 ? Int64(nanos) : 1_000_000_000_000_000_000
}

/// A drawn count as an `Int`, held to [0, 2^31] for the same reason.
func wholeCount(_ value: Double) -> Int {
    let rounded = value.rounded()
    guard rounded > 0 else { return 0 }  // also NaN
    return rounded < 2_147_483_648 ? Int(rounded) : 2_147_483_648
}
