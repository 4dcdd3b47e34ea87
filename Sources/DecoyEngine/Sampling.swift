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

    /// The mean and variance of one draw as `sample` makes it (a normal or a uniform held at 0 included),
    /// in closed form; for summing many draws at once.
    public var moments: (mean: Double, variance: Double) {
        let (first, second) = rawMoments
        return (first, max(0, second - first * first))
    }

    /// E[X] and E[X²] of one draw.
    var rawMoments: (Double, Double) {
        switch self {
        case .fixed(let v):
            let x = max(0, v)
            return (x, x * x)
        case .uniform(let lo, let hi):
            // Uniform on [l, h], held at 0: the part above 0 is uniform on [max(l, 0), h].
            let (l, h) = (min(lo, hi), max(lo, hi))
            guard h > 0 else { return (0, 0) }
            guard h > l else { return (h, h * h) }
            let a = max(l, 0)
            let above = (h - a) / (h - l)
            return (above * (a + h) / 2, above * (a * a + a * h + h * h) / 3)
        case .normal(let mean, let stddev):
            // A normal held at 0 (rectified): E[X] = μΦ(z) + σφ(z), E[X²] = (μ² + σ²)Φ(z) + μσφ(z), z = μ/σ.
            guard stddev > 0 else {
                let x = max(0, mean)
                return (x, x * x)
            }
            let z = mean / stddev
            let cdf = 0.5 * erfc(-z / 2.0.squareRoot())
            let density = exp(-z * z / 2) / (2 * Double.pi).squareRoot()
            return (
                mean * cdf + stddev * density,
                (mean * mean + stddev * stddev) * cdf + mean * stddev * density
            )
        case .lognormal(let mu, let sigma):
            return (exp(mu + sigma * sigma / 2), exp(2 * mu + 2 * sigma * sigma))
        case .exponential(let mean):
            return (mean, 2 * mean * mean)
        case .percentiles(let points):
            // The inverse CDF is linear between points: a segment from a to b over Δq adds Δq (a² + ab + b²) / 3.
            guard let first = points.first else { return (0, 0) }
            var previous = first.q == 0 ? first : Quantile(q: 0, value: 0)
            var square = 0.0
            for point in points where point.q > previous.q {
                let q = min(point.q, 1)
                let (a, b) = (previous.value, point.value)
                square += (q - previous.q) * (a * a + a * b + b * b) / 3
                previous = Quantile(q: q, value: point.value)
            }
            square += (1 - previous.q) * previous.value * previous.value
            return (Self.percentilesMean(points), square)
        case .mixture(let components):
            let total = components.reduce(0) { $0 + $1.weight }
            guard total > 0 else { return (0, 0) }
            var first = 0.0
            var second = 0.0
            for component in components {
                let (m1, m2) = component.distribution.rawMoments
                first += component.weight / total * m1
                second += component.weight / total * m2
            }
            return (first, second)
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
