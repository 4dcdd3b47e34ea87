/// Durations written the way Go's `time.Duration.String` writes them, as OpenAI's
/// `x-ratelimit-reset-*` headers do: `6ms`, `1s`, `17.5s`, `1m30s`, `6m0s`, `1h2m3s`.
enum GoDuration {
    static func format(seconds: Double) -> String {
        guard seconds.isFinite, seconds > 0 else { return "0s" }
        let nanos = Int64((seconds * 1e9).rounded())
        if nanos < 1_000 { return "\(nanos)ns" }
        if nanos < 1_000_000 { return trimmed(Double(nanos) / 1e3, places: 3) + "µs" }
        if nanos < 1_000_000_000 { return trimmed(Double(nanos) / 1e6, places: 3) + "ms" }
        let hours = nanos / 3_600_000_000_000
        let minutes = (nanos / 60_000_000_000) % 60
        let secondPart = trimmed(Double(nanos % 60_000_000_000) / 1e9, places: 3) + "s"
        if hours > 0 { return "\(hours)h\(minutes)m" + secondPart }
        if minutes > 0 { return "\(minutes)m" + secondPart }
        return secondPart
    }

    /// A decimal with at most `places` decimals and no trailing zeros.
    private static func trimmed(_ value: Double, places: Int) -> String {
        var bytes: [UInt8] = []
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        bytes.append(decimal: (value * scale).rounded(.down) / scale)
        return String(decoding: bytes, as: UTF8.self)
    }
}
