import DecoyProfile

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Distributions written back the way a profile writes them, for `decoy routes`.
enum DistributionText {
    enum Unit { case duration, count }

    static func describe(_ distribution: Distribution, _ unit: Unit) -> String {
        let v = { (x: Double) in value(x, unit) }
        switch distribution {
        case .fixed(let x): return v(x)
        case .uniform(let lo, let hi): return "uniform [\(v(lo)), \(v(hi))]"
        case .normal(let mean, let stddev): return "normal {mean \(v(mean)), stddev \(v(stddev))}"
        case .lognormal(let mu, let sigma):
            return "lognormal {median \(v(exp(mu))), p99 \(v(exp(mu + 2.3263478740408408 * sigma)))}"
        case .exponential(let mean): return "exponential {mean \(v(mean))}"
        case .percentiles(let points):
            return "percentiles {" + points.map { "p\(trim($0.q * 100)) \(v($0.value))" }.joined(separator: ", ") + "}"
        case .mixture(let parts):
            return "mixture [" + parts.map { "\(trim($0.weight)): \(describe($0.distribution, unit))" }.joined(separator: "; ") + "]"
        }
    }

    static func value(_ x: Double, _ unit: Unit) -> String {
        guard unit == .duration else { return trim(x) }
        if x == 0 { return "0ms" }
        if x < 0.001 { return trim(x * 1e6) + "us" }
        if x < 1 { return trim(x * 1e3) + "ms" }
        return trim(x) + "s"
    }

    /// At most three decimals, trailing zeros dropped.
    static func trim(_ x: Double) -> String {
        let rounded = (x * 1000).rounded() / 1000
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }
}
