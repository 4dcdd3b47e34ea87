import Foundation

/// Nearest-rank quantile `q` (0...1) of sorted values; 0 when there are none.
func quantile(_ sorted: [UInt64], _ q: Double) -> UInt64 {
    guard !sorted.isEmpty else { return 0 }
    let rank = Int((q * Double(sorted.count)).rounded(.up))
    return sorted[min(max(rank, 1), sorted.count) - 1]
}

/// Nanoseconds as milliseconds.
func ms(_ nanos: UInt64) -> Double { Double(nanos) / 1e6 }

/// Writes `figures` as pretty JSON to `path`, when a path is given.
func writeJSON(_ figures: some Encodable, to path: String?) throws {
    guard let path else { return }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(figures).write(to: URL(fileURLWithPath: path))
}

/// `value` with `digits` decimals, for the printed summary.
func fixed(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
