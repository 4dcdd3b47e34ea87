import DecoyProfile

/// A route's quota at run time: its `limit:` as buckets, one set for the whole route or one per scope key.
///
/// An unscoped route holds its one `BucketSet` directly and takes no lock; a scoped route looks its set
/// up in a `LimiterRegistry` first. `divisor` splits the rates and the concurrency across replicas
/// (`--replicas N`): each replica enforces limit/N.
final class RouteLimiter: Sendable {
    let limit: Limit
    let divisor: Int
    private let sets: Sets

    private enum Sets: Sendable {
        case shared(BucketSet)
        case scoped([Limit.Scope], LimiterRegistry)
    }

    init(limit: Limit, divisor: Int = 1, registryCapacity: Int = 100_000) {
        self.limit = limit
        self.divisor = max(1, divisor)
        if limit.per.isEmpty {
            sets = .shared(BucketSet(limit: limit, divisor: divisor))
        } else {
            sets = .scoped(
                limit.per,
                LimiterRegistry(capacity: registryCapacity) { BucketSet(limit: limit, divisor: divisor) })
        }
    }

    /// What `admit` decided.
    enum Admission: Sendable {
        /// Admitted: the quota to report, and the concurrency slot to release when done.
        case admitted(QuotaStatus, Lease?)
        case rejected(Rejection)
    }

    /// Admits a request costing `tokens` (prompt + completion estimate) at `nowNanos`, or says why not.
    func admit<H: HeaderSource>(_ request: SimRequest, headers: H, tokens: Int, nowNanos: Int64) -> Admission {
        set(for: request, headers: headers, nowNanos: nowNanos).admit(tokens: tokens, now: nowNanos)
    }

    /// The bucket set the request counts against.
    func set<H: HeaderSource>(for request: SimRequest, headers: H, nowNanos: Int64) -> BucketSet {
        switch sets {
        case .shared(let set): set
        case .scoped(let scopes, let registry):
            registry.set(for: Self.key(scopes, request, headers), nowNanos: nowNanos)
        }
    }

    /// The registry of a scoped route.
    var registry: LimiterRegistry? {
        if case .scoped(_, let registry) = sets { registry } else { nil }
    }

    /// The scope key: each scope's value, a missing one as `-`, joined by U+001F when there are several
    /// (so `per: [api_key, model]` keeps a bucket per key and model pair).
    static func key<H: HeaderSource>(_ scopes: [Limit.Scope], _ request: SimRequest, _ headers: H) -> String {
        if scopes.count == 1 { return value(scopes[0], request, headers) }
        var key = ""
        for (index, scope) in scopes.enumerated() {
            if index > 0 { key.append("\u{1F}") }
            key += value(scope, request, headers)
        }
        return key
    }

    private static func value<H: HeaderSource>(_ scope: Limit.Scope, _ request: SimRequest, _ headers: H) -> String {
        let value: String?
        switch scope {
        case .apiKey: value = request.apiKey.map(String.init)
        case .model: value = request.model
        case .project: value = request.project.map(String.init)
        case .header(let name): value = headers.first(name)
        }
        return value ?? "-"
    }
}
