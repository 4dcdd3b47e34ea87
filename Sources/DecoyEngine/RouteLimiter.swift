import DecoyProfile
import Synchronization

/// A route's quota at run time: its `limit:` as buckets, one set for the whole route or one per scope key.
///
/// An unscoped route holds its one `BucketSet` directly and takes no lock; a scoped route looks its set
/// up in a `LimiterRegistry` first. `divisor` splits the rates and the concurrency across replicas
/// (`--replicas N`): each replica enforces limit/N.
final class RouteLimiter: Sendable {
    let limit: Limit
    let divisor: Int
    private let sets: Sets
    /// Busy gates of a scoped limiter this one replaced, by key, until their key's first request here.
    private let inherited = InheritedGates()

    private enum Sets: Sendable {
        case shared(BucketSet)
        case scoped([Limit.Scope], LimiterRegistry)
    }

    /// A limiter with fresh buckets. With `previous`, the limiter this one replaces (a reload that changed
    /// the rates, or a reset), it keeps `previous`'s concurrency gates when `sharesGates` allows: the
    /// requests they admitted are still running, and their queues still wait.
    ///
    /// A scoped route takes over the gates `previous` holds busy (in flight or queued) now, its own or
    /// still inherited from the limiter before it, each for the first request of its key; an idle gate is
    /// no different from a fresh one. A key that `previous` first sees between this snapshot and the swap
    /// to the new engine gets a gate the new engine does not know: one lookup's window, as the registry's
    /// sweep has.
    init(limit: Limit, divisor: Int = 1, registryCapacity: Int = 100_000, gatesFrom previous: RouteLimiter? = nil) {
        self.limit = limit
        self.divisor = max(1, divisor)
        let previousLimiter = previous.flatMap { $0.sharesGates(with: limit, divisor: divisor) ? $0 : nil }
        switch previousLimiter?.sets {
        case .shared(let set):
            sets = .shared(BucketSet(limit: limit, divisor: divisor, gate: set.gate))
        case .scoped(_, let registry):
            var gates = previousLimiter?.inherited.gates.withLock { $0 } ?? [:]
            for (key, set) in registry.snapshot() { gates[key] = set.gate }
            let inherited = self.inherited
            inherited.gates.withLock { $0 = gates.filter { $0.value.inFlight > 0 || $0.value.queued > 0 } }
            sets = .scoped(
                limit.per,
                LimiterRegistry(
                    capacity: registryCapacity, overflow: BucketSet(limit: limit, divisor: divisor, gate: registry.overflow.gate)
                ) { key in
                    BucketSet(limit: limit, divisor: divisor, gate: inherited.gates.withLock { $0.removeValue(forKey: key) })
                })
        case nil where limit.per.isEmpty:
            sets = .shared(BucketSet(limit: limit, divisor: divisor))
        case nil:
            sets = .scoped(
                limit.per,
                LimiterRegistry(capacity: registryCapacity, overflow: BucketSet(limit: limit, divisor: divisor)) { _ in
                    BucketSet(limit: limit, divisor: divisor)
                })
        }
    }

    /// Whether a limiter for `limit` may keep this one's concurrency gates: both have a cap, and the same
    /// cap, queue, scopes and replica share, so each gate means the same slots.
    func sharesGates(with limit: Limit, divisor: Int) -> Bool {
        self.limit.concurrency != nil && self.limit.concurrency == limit.concurrency && self.limit.queue == limit.queue
            && self.limit.per == limit.per && self.divisor == max(1, divisor)
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

/// Concurrency gates handed over by key (see `RouteLimiter.init(limit:divisor:registryCapacity:gatesFrom:)`).
private final class InheritedGates: Sendable {
    let gates = Mutex<[String: ConcurrencyGate]>([:])
}
