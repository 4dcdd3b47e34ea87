import DecoyProfile
import Logging
import Testing

@testable import DecoyServer

/// What a route's ledger counts, and the buckets its latencies fall in.
@Suite struct LedgerTests {
    @Test func receivedIsEveryOutcomeAndStatusesAreByEndpoint() {
        let ledger = RouteLedger(name: "r")
        for _ in 0..<5 { ledger.record(.admitted, endpoint: .openaiChat, status: 200, nowNanos: 1_000_000_000) }
        for _ in 0..<3 { ledger.record(.refused, endpoint: .openaiChat, status: 429, nowNanos: 1_000_000_000) }
        ledger.record(.faulted, endpoint: .openaiChat, status: 0, special: .reset, nowNanos: 2_000_000_000)
        ledger.record(.invalid, endpoint: nil, status: 400, nowNanos: 2_000_000_000)
        #expect(ledger.received == 10)
        #expect(ledger.count(.admitted) == 5)
        #expect(ledger.count(.refused) == 3)
        let statuses = ledger.statusCounts().map { "\($0.endpoint.rawValue) \($0.status) \($0.count)" }
        #expect(statuses.sorted() == ["openai.chat 200 5", "openai.chat 429 3", "openai.chat reset 1"])
        // 2.5 s of uptime: the five minutes before it are zeros (this read used to trap on the underflow).
        let series = ledger.series(nowNanos: 2_500_000_000)
        #expect(series.admitted.count == Series.seconds)
        #expect(series.admitted.suffix(2) == [5, 0])
        #expect(series.refused.suffix(2) == [3, 0])
        ledger.counters.reset()
        #expect(ledger.received == 0)
    }

    @Test func latenciesAreCountedSummedAndBucketed() {
        let ledger = RouteLedger(name: "r")
        let millis: [UInt64] = [1, 5, 5, 10, 50, 200, 1_000, 70_000]
        for ms in millis { ledger.recordLatency(nanos: ms * 1_000_000) }
        #expect(ledger.latencyCount == UInt64(millis.count))
        #expect(abs(ledger.latencySumSeconds - Double(millis.reduce(0, +)) / 1000) < 1e-9)
        // Prometheus buckets are cumulative and `le` is inclusive: 5 ms counts in le=0.005.
        let buckets = ledger.prometheusBuckets()
        #expect(buckets.count == LatencyBuckets.prometheus.count + 1)
        #expect(buckets[0] == 3)  // 1, 5, 5 ms
        #expect(buckets[1] == 4)  // + 10 ms
        #expect(buckets[LatencyBuckets.prometheus.firstIndex(of: 1)!] == 7)
        #expect(buckets.last == 8)  // + 70 s, above every bound
        // Quantiles from the fine buckets, each within 8 % of the truth.
        let median = ledger.latencyQuantiles([0.5])[0]
        #expect(median >= 0.010 / 1.08 && median <= 0.050 * 1.08)
    }

    @Test func aLatencyFallsInTheFirstBucketWhoseBoundItDoesNotPass() {
        let fine = LatencyBuckets.fine
        #expect(LatencyBuckets.fineIndex(micros: 0) == 0)
        #expect(LatencyBuckets.fineIndex(micros: 100) == 0)
        #expect(LatencyBuckets.fineIndex(micros: 101) == 1)
        for i in [1, 10, 50, fine.count - 1] {
            let bound = fine[i]
            #expect(LatencyBuckets.fineIndex(micros: UInt64(bound.rounded(.down))) == i)
            #expect(LatencyBuckets.fineIndex(micros: UInt64(bound.rounded(.down)) + 1) == i + 1)
        }
        #expect(LatencyBuckets.fineIndex(micros: .max) == fine.count)
        #expect(LatencyBuckets.prometheusIndex(micros: 5_000) == 0)
        #expect(LatencyBuckets.prometheusIndex(micros: 5_001) == 1)
        #expect(LatencyBuckets.prometheusIndex(micros: 60_000_001) == LatencyBuckets.prometheus.count)
    }

    /// A profile of chat routes with these names.
    static func profile(_ names: [String]) -> Profile {
        let behavior = Behavior(completionTokens: .fixed(5))
        return Profile(
            name: "ledger", seed: 1,
            routes: names.map { Route(name: $0, match: RouteMatch(endpoints: [.openaiChat]), behavior: behavior) })
    }

    @Test func metricsStayMonotonicAcrossAReloadThatRemovesARouteAndOneThatBringsItBack() {
        let context = ServerContext(
            profile: Self.profile(["ledger-kept", "ledger-removed"]), maxBodyBytes: 1 << 20, logger: Logger(label: "test"))
        // An exporter of its own: `shared` resets the series another context's render does not list.
        let exporter = MetricsExporter()
        func record(_ route: Int, _ count: Int) {
            for _ in 0..<count {
                context.generation.ledgers[route].record(.admitted, endpoint: .openaiChat, status: 200, nowNanos: 1)
            }
        }
        func line(_ route: String, _ count: Int) -> String {
            #"decoy_outcomes_total{route="\#(route)",outcome="admitted"} \#(count)"#
        }
        record(0, 2)
        record(1, 3)
        #expect(exporter.render(context).contains(line("ledger-removed", 3)))

        // The removed route's total stays reported as it was; the kept route's keeps counting.
        context.load(Self.profile(["ledger-kept"]), sourceText: nil)
        record(0, 1)
        let afterRemoval = exporter.render(context)
        let removedReported = afterRemoval.contains(line("ledger-removed", 3))
        let keptReported = afterRemoval.contains(line("ledger-kept", 3))
        #expect(removedReported)
        #expect(keptReported)

        // Brought back, it goes on from 3: no drop to 0 and jump back that a rate() would read as traffic.
        context.load(Self.profile(["ledger-kept", "ledger-removed"]), sourceText: nil)
        record(1, 1)
        let broughtBack = exporter.render(context)
        #expect(broughtBack.contains(line("ledger-removed", 4)), "\(broughtBack.split(separator: "\n").filter { $0.contains("ledger-removed") && $0.contains("admitted") })")

        // A reset zeroes every count, as before, and is where a removed route's series ends (at 0).
        context.load(Self.profile(["ledger-kept"]), sourceText: nil)
        context.reset()
        #expect(exporter.render(context).contains(line("ledger-removed", 0)))
        #expect(exporter.render(context).contains(line("ledger-kept", 0)))
        #expect(context.ledger.reported(current: context.generation.ledgers).map(\.name) == ["ledger-kept", "default", "(unrouted)"])
    }
}
