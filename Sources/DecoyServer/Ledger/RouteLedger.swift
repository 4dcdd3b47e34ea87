import DecoyProfile

/// What one route did since start or the last reset: requests by outcome and by endpoint and status,
/// latency of what it served, and a per-second series of the last five minutes. Lock-free: every update
/// is a few relaxed atomic increments.
final class RouteLedger: Sendable {
    /// How a request ended, as the ledger counts it.
    enum Outcome: Int, Sendable, CaseIterable {
        /// Served normally.
        case admitted = 1
        /// Refused by the route's limit (the provider's 429).
        case refused = 2
        /// Answered with an injected HTTP error.
        case errored = 3
        /// Met a connection fault (reset, stall, truncate, malformed, stream_error).
        case faulted = 4
        /// Refused before it reached the engine (bad body, unknown path, too large).
        case invalid = 5
    }

    /// Status labels that are not HTTP codes.
    enum Special: Int { case reset = 1, stall = 2 }

    let name: String
    let counters: AtomicCounters

    // Layout of `counters`: index 0 and 7 are unused (what was received is the sum of the outcomes,
    // how many latencies were recorded the sum of the fine buckets: two atomics fewer a request).
    static let latencySumMicros = 6
    static let statusBase = 8
    static let statusSlots = 203  // 200, 400…599, reset, stall
    static let endpoints = Endpoint.allCases
    static let fineBase = statusBase + endpoints.count * statusSlots
    static let seriesBase = fineBase + LatencyBuckets.fine.count + 1
    static let promBase = seriesBase + Series.seconds * 3
    static let size = promBase + LatencyBuckets.prometheus.count + 1

    init(name: String) {
        self.name = name
        counters = AtomicCounters(count: Self.size)
    }

    /// Counts a request's outcome with its status (`special` for a reset or a stall).
    func record(_ outcome: Outcome, endpoint: Endpoint?, status: Int, special: Special? = nil, nowNanos: UInt64) {
        counters.add(outcome.rawValue)
        if let endpoint, let slot = Self.slot(status: status, special: special) {
            counters.add(Self.statusBase + Self.endpointIndex(endpoint) * Self.statusSlots + slot)
        }
        switch outcome {
        case .admitted: Series.add(counters, base: Self.seriesBase, column: 1, nowNanos: nowNanos)
        case .refused: Series.add(counters, base: Self.seriesBase, column: 2, nowNanos: nowNanos)
        default: break
        }
    }

    /// Records the time a served request took, from its last body byte to its last response byte.
    func recordLatency(nanos: UInt64) {
        let micros = nanos / 1000
        counters.add(Self.latencySumMicros, micros)
        counters.add(Self.fineBase + LatencyBuckets.fineIndex(micros: micros))
        counters.add(Self.promBase + LatencyBuckets.prometheusIndex(micros: micros))
    }

    func count(_ outcome: Outcome) -> UInt64 { counters.load(outcome.rawValue) }
    var received: UInt64 { Outcome.allCases.reduce(0) { $0 + count($1) } }

    /// Non-zero counts by endpoint id and status label.
    func statusCounts() -> [(endpoint: Endpoint, status: String, count: UInt64)] {
        var out: [(Endpoint, String, UInt64)] = []
        for (e, endpoint) in Self.endpoints.enumerated() {
            for slot in 0..<Self.statusSlots {
                let n = counters.load(Self.statusBase + e * Self.statusSlots + slot)
                if n > 0 { out.append((endpoint, Self.label(slot: slot), n)) }
            }
        }
        return out
    }

    /// Served-latency quantiles in seconds, from the fine buckets (each within 8% of the truth).
    func latencyQuantiles(_ qs: [Double]) -> [Double] {
        let counts = (0...LatencyBuckets.fine.count).map { counters.load(Self.fineBase + $0) }
        return LatencyBuckets.quantiles(qs, counts: counts)
    }

    var latencyCount: UInt64 { (0...LatencyBuckets.fine.count).reduce(0) { $0 + counters.load(Self.fineBase + $1) } }
    var latencySumSeconds: Double { Double(counters.load(Self.latencySumMicros)) / 1e6 }

    /// Cumulative Prometheus bucket counts, `+Inf` last.
    func prometheusBuckets() -> [UInt64] {
        var total: UInt64 = 0
        return (0...LatencyBuckets.prometheus.count).map {
            total += counters.load(Self.promBase + $0)
            return total
        }
    }

    /// Admitted and refused per second for the last `Series.seconds` seconds, oldest first.
    func series(nowNanos: UInt64) -> (admitted: [UInt64], refused: [UInt64]) {
        Series.read(counters, base: Self.seriesBase, nowNanos: nowNanos)
    }

    static func endpointIndex(_ endpoint: Endpoint) -> Int {
        endpoints.firstIndex(of: endpoint) ?? 0
    }

    static func slot(status: Int, special: Special?) -> Int? {
        if let special { return 200 + special.rawValue }
        if status == 200 { return 0 }
        if (400...599).contains(status) { return status - 399 }
        return nil
    }

    static func label(slot: Int) -> String {
        switch slot {
        case 0: "200"
        case 201: "reset"
        case 202: "stall"
        default: String(slot + 399)
        }
    }
}

/// A ring of per-second counts: each slot holds its second's stamp, then its columns.
enum Series {
    static let seconds = 300

    static func add(_ counters: AtomicCounters, base: Int, column: Int, nowNanos: UInt64) {
        let second = nowNanos / 1_000_000_000 + 1  // +1 so that stamp 0 means "never used"
        let slot = base + Int(second % UInt64(seconds)) * 3
        let stamp = counters.load(slot)
        if stamp != second, counters.exchange(slot, expected: stamp, desired: second) {
            // First writer of a new second clears the slot; an increment racing with it may be lost.
            counters.store(slot + 1, 0)
            counters.store(slot + 2, 0)
        }
        counters.add(slot + column)
    }

    static func read(_ counters: AtomicCounters, base: Int, nowNanos: UInt64) -> (admitted: [UInt64], refused: [UInt64]) {
        let now = nowNanos / 1_000_000_000 + 1
        var admitted: [UInt64] = []
        var refused: [UInt64] = []
        for back in (0..<UInt64(seconds)).reversed() {
            // Seconds before the clock's first (a machine up for less than five minutes) are zeros.
            guard now > back else {
                admitted.append(0)
                refused.append(0)
                continue
            }
            let second = now - back
            let slot = base + Int(second % UInt64(seconds)) * 3
            let live = counters.load(slot) == second
            admitted.append(live ? counters.load(slot + 1) : 0)
            refused.append(live ? counters.load(slot + 2) : 0)
        }
        return (admitted, refused)
    }
}
