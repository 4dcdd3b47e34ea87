import DecoyProfile
import Metrics
import Prometheus
import Synchronization

/// `GET /metrics`: the ledger in Prometheus text format.
///
/// Counters go through swift-metrics into a swift-prometheus registry. The hot path never touches
/// them: it bumps the ledger's atomics, and a scrape adds to each counter what the ledger gained since
/// the last scrape. The served-latency histogram is written from the ledger's own atomic buckets,
/// because swift-prometheus' histograms take a lock on every observation.
final class MetricsExporter: Sendable {
    static let shared = MetricsExporter()

    private let registry = PrometheusCollectorRegistry()
    private let state = Mutex<[String: Series]>([:])

    private struct Series {
        let counter: Metrics.Counter
        var last: UInt64
    }

    func render(_ context: ServerContext) -> String {
        let generation = context.generation
        // Removed routes too: their counters hold their totals until a reset (see `Ledger.reported`).
        let ledgers = context.ledger.reported(current: generation.ledgers)
        let factory = PrometheusMetricsFactory(registry: registry)
        state.withLock { table in
            var seen = Set<String>()
            for ledger in ledgers {
                for status in ledger.statusCounts() {
                    seen.insert(sync(
                        &table, factory, "decoy_requests_total",
                        [("route", ledger.name), ("endpoint", status.endpoint.rawValue), ("status", status.status)],
                        status.count))
                }
                for outcome in RouteLedger.Outcome.allCases {
                    seen.insert(sync(
                        &table, factory, "decoy_outcomes_total", [("route", ledger.name), ("outcome", "\(outcome)")],
                        ledger.count(outcome)))
                }
            }
            // A series the ledger no longer lists was zeroed by a reset: its counter starts over too.
            for (key, var series) in table where !seen.contains(key) && series.last > 0 {
                series.counter.reset()
                series.last = 0
                table[key] = series
            }
        }
        var out: [UInt8] = []
        registry.emit(into: &out)
        var text = String(decoding: out, as: UTF8.self)
        text += "# TYPE decoy_served_latency_seconds histogram\n"
        for ledger in ledgers where ledger.latencyCount > 0 {
            let route = Self.escape(ledger.name)
            let cumulative = ledger.prometheusBuckets()
            for (index, bound) in LatencyBuckets.prometheus.enumerated() {
                text += "decoy_served_latency_seconds_bucket{route=\"\(route)\",le=\"\(bound)\"} \(cumulative[index])\n"
            }
            text += "decoy_served_latency_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(cumulative.last ?? 0)\n"
            text += "decoy_served_latency_seconds_sum{route=\"\(route)\"} \(ledger.latencySumSeconds)\n"
            text += "decoy_served_latency_seconds_count{route=\"\(route)\"} \(ledger.latencyCount)\n"
        }
        return text
    }

    /// Brings one counter up to the ledger's value; a ledger reset resets the counter too.
    private func sync(
        _ table: inout [String: Series], _ factory: PrometheusMetricsFactory, _ name: String,
        _ labels: [(String, String)], _ value: UInt64
    ) -> String {
        let key = name + labels.map { "\u{1F}\($0.0)=\($0.1)" }.joined()
        var series = table[key] ?? Series(counter: Metrics.Counter(label: name, dimensions: labels, factory: factory), last: 0)
        if value < series.last {
            series.counter.reset()
            series.last = 0
        }
        if value > series.last {
            series.counter.increment(by: Int64(value - series.last))
            series.last = value
        }
        table[key] = series
        return key
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
