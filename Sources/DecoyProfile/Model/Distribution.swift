/// A value drawn afresh for every request: a duration in seconds or a count.
///
/// Profiles write these as a constant (`80ms`, `40`) or as one of the named shapes
/// (`uniform: [a, b]`, `lognormal: {median, p99}`, …). The Engine samples them.
public indirect enum Distribution: Sendable, Equatable {
    /// Always the same value.
    case fixed(Double)
    /// Uniform on `[min, max]`.
    case uniform(min: Double, max: Double)
    /// Normal, with draws below zero cut to zero.
    case normal(mean: Double, stddev: Double)
    /// Log-normal with parameters of the underlying normal (`median = e^mu`).
    case lognormal(mu: Double, sigma: Double)
    /// Exponential with the given mean.
    case exponential(mean: Double)
    /// Piecewise-linear inverse CDF through `(quantile, value)` points, quantiles in [0, 1] ascending
    /// (`p0` and `p100` may pin the ends; otherwise `(0, 0)` is implied below the first point).
    case percentiles([Quantile])
    /// A weighted choice among other distributions; weights need not sum to one.
    case mixture([Component])

    /// One point of a `percentiles` distribution.
    public struct Quantile: Sendable, Equatable {
        public var q: Double
        public var value: Double
        public init(q: Double, value: Double) {
            self.q = q
            self.value = value
        }
    }

    /// One weighted member of a `mixture`.
    public struct Component: Sendable, Equatable {
        public var weight: Double
        public var distribution: Distribution
        public init(weight: Double, distribution: Distribution) {
            self.weight = weight
            self.distribution = distribution
        }
    }

    /// Zero, the distribution of "no delay".
    public static let zero = Distribution.fixed(0)
}
