#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bucket boundaries latency is counted in: fine geometric ones (8% apart, 100 µs to 2 min) for
/// quantiles, and the usual Prometheus ones for `/metrics`.
enum LatencyBuckets {
    static let factor = 1.08
    /// Upper bounds in microseconds; one more bucket counts everything above the last.
    static let fine: [Double] = {
        var bounds: [Double] = []
        var bound = 100.0
        while bound < 120_000_000 {
            bounds.append(bound)
            bound *= factor
        }
        return bounds
    }()

    /// Upper bounds in seconds.
    static let prometheus: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    /// The fine bucket `micros` falls in: the first whose upper bound it does not pass (a binary
    /// search of `fine`: no logarithm a request).
    static func fineIndex(micros: UInt64) -> Int {
        firstBound(notBelow: Double(micros), in: fine)
    }

    /// The Prometheus bucket, by the same rule (`le` is inclusive).
    static func prometheusIndex(micros: UInt64) -> Int {
        firstBound(notBelow: Double(micros), in: prometheusMicros)
    }

    private static let prometheusMicros = prometheus.map { $0 * 1e6 }

    /// The first index whose bound is at least `value`; `bounds.count` when none is.
    private static func firstBound(notBelow value: Double, in bounds: [Double]) -> Int {
        var low = 0
        var high = bounds.count
        while low < high {
            let middle = (low + high) / 2
            if bounds[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Quantiles in seconds by linear interpolation inside the bucket that holds each.
    static func quantiles(_ qs: [Double], counts: [UInt64]) -> [Double] {
        let total = counts.reduce(0, +)
        guard total > 0 else { return qs.map { _ in 0 } }
        return qs.map { q in
            let target = q * Double(total)
            var seen = 0.0
            for (index, count) in counts.enumerated() where count > 0 {
                if seen + Double(count) >= target {
                    let lower = index == 0 ? 0 : fine[index - 1]
                    let upper = index < fine.count ? fine[index] : fine[fine.count - 1] * factor
                    let within = (target - seen) / Double(count)
                    return (lower + within * (upper - lower)) / 1e6
                }
                seen += Double(count)
            }
            return fine[fine.count - 1] / 1e6
        }
    }
}
