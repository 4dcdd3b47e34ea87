import DecoyEngine
import DecoyProfile
import NIOCore

/// `GET /_decoy/stats`: the ledger as JSON.
struct StatsReport: Encodable {
    let profile: String
    let profileVersion: Int
    let sinceSeconds: Double
    let routes: [RouteStats]
    let unrouted: RouteStats
    let totals: Totals

    struct RouteStats: Encodable {
        let route: String
        let received: UInt64
        let admitted: UInt64
        let refused: UInt64
        let errored: UInt64
        let faulted: UInt64
        let invalid: UInt64
        let statuses: [StatusCount]
        let latencySeconds: Latency
        let limit: LimitSummary?
        let scopes: [Scope]
    }

    struct StatusCount: Encodable {
        let endpoint: String
        let status: String
        let count: UInt64
    }

    struct Latency: Encodable {
        let count: UInt64
        let mean: Double
        let p50: Double
        let p90: Double
        let p99: Double
    }

    struct LimitSummary: Encodable {
        let rpm: Double?
        let tpm: Double?
        let concurrency: Int?
        let per: [String]
    }

    struct Scope: Encodable {
        let key: String
        let admitted: UInt64
        let refused: UInt64
    }

    struct Totals: Encodable {
        let received: UInt64
        let admitted: UInt64
        let refused: UInt64
        let errored: UInt64
        let faulted: UInt64
        let invalid: UInt64
    }

    static func make(_ shared: ServerContext) -> StatsReport {
        let generation = shared.generation
        let engine = generation.engine
        var routes: [RouteStats] = []
        for (index, ledger) in generation.ledgers.enumerated() {
            let route = index < engine.profile.routes.count ? engine.profile.routes[index] : nil
            let scopes = engine.scopeCounts(routeIndex: index).prefix(100).map {
                Scope(key: $0.key.replacingOccurrences(of: "\u{1F}", with: "|"), admitted: $0.admitted, refused: $0.refused)
            }
            routes.append(stats(ledger, limit: route?.limit, scopes: Array(scopes)))
        }
        let unrouted = stats(shared.ledger.unrouted, limit: nil, scopes: [])
        let all = routes + [unrouted]
        let totals = Totals(
            received: all.reduce(0) { $0 + $1.received }, admitted: all.reduce(0) { $0 + $1.admitted },
            refused: all.reduce(0) { $0 + $1.refused }, errored: all.reduce(0) { $0 + $1.errored },
            faulted: all.reduce(0) { $0 + $1.faulted }, invalid: all.reduce(0) { $0 + $1.invalid })
        let since = Double(NIODeadline.now().uptimeNanoseconds &- shared.ledger.since) / 1e9
        return StatsReport(
            profile: engine.profile.name, profileVersion: generation.version, sinceSeconds: since, routes: routes,
            unrouted: unrouted, totals: totals)
    }

    static func stats(_ ledger: RouteLedger, limit: Limit?, scopes: [Scope]) -> RouteStats {
        let q = ledger.latencyQuantiles([0.5, 0.9, 0.99])
        let count = ledger.latencyCount
        let latency = Latency(
            count: count, mean: count == 0 ? 0 : ledger.latencySumSeconds / Double(count), p50: q[0], p90: q[1], p99: q[2])
        let summary = limit.map {
            LimitSummary(rpm: $0.rpm, tpm: $0.tpm, concurrency: $0.concurrency, per: $0.per.map(\.name))
        }
        return RouteStats(
            route: ledger.name, received: ledger.received, admitted: ledger.count(.admitted), refused: ledger.count(.refused),
            errored: ledger.count(.errored), faulted: ledger.count(.faulted), invalid: ledger.count(.invalid),
            statuses: ledger.statusCounts().map { StatusCount(endpoint: $0.endpoint.rawValue, status: $0.status, count: $0.count) },
            latencySeconds: latency, limit: summary, scopes: scopes)
    }

}

/// `GET /_decoy/series`: admitted and refused per second per route, for the live page.
struct SeriesReport: Encodable {
    let seconds: Int
    let routes: [RouteSeries]

    struct RouteSeries: Encodable {
        let route: String
        let admitted: [UInt64]
        let refused: [UInt64]
    }

    static func make(_ shared: ServerContext) -> SeriesReport {
        let now = NIODeadline.now().uptimeNanoseconds
        let ledgers = shared.generation.ledgers + [shared.ledger.unrouted]
        return SeriesReport(
            seconds: Series.seconds,
            routes: ledgers.map {
                let series = $0.series(nowNanos: now)
                return RouteSeries(route: $0.name, admitted: series.admitted, refused: series.refused)
            })
    }
}
