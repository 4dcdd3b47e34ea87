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

    static func fineIndex(micros: UInt64) -> Int {
        let value = Double(micros)
        guard value > 100 else { return 0 }
        let index = Int((log(value / 100) / log(factor)).rounded(.up))
        return min(index, fine.count)
    }

    static func prometheusIndex(micros: UInt64) -> Int {
        let seconds = Double(micros) / 1e6
        return prometheus.firstIndex { seconds <= $0 } ?? prometheus.count
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
