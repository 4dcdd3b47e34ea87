import DecoyProfile
import Synchronization

/// Turns a request into a `Plan`: picks the route, applies its limits and fault rules, draws its latency.
///
/// One `Engine` serves one profile snapshot; it is shared by every event loop and holds no lock on the
/// hot path (atomics only; the limiter's registry of scoped buckets is the one lock).
public final class Engine: Sendable {
    public let profile: Profile
    let routes: [RouteState]
    /// `routes` by what their matches name, so finding a request's route does not walk them all.
    let index: RouteIndex
    let fallback: RouteState
    let seed: UInt64

    /// An engine for `profile`. With `replicas` N > 1 every limit's rates and concurrency are divided by
    /// N, so N replicas behind a load balancer enforce the profile's limits between them.
    ///
    /// With `previous`, the engine of the profile this one replaces, a route of the same name and the same
    /// limit keeps its buckets: a reload does not refill a quota or forget what it admitted. A route of the
    /// same name whose concurrency, queue and scopes are unchanged keeps its concurrency gates even when
    /// its rates changed, and so does every route with `refillBuckets` (`POST /_decoy/reset`, which refills
    /// the buckets): the requests a gate admitted are still running, and its queue still waits, so a cap
    /// holds across reloads and resets.
    public init(profile: Profile, replicas: Int = 1, previous: Engine? = nil, refillBuckets: Bool = false) {
        self.profile = profile
        let seed = profile.seed ?? UInt64.random(in: .min ... .max)
        self.seed = seed
        let kept = previous?.limiters(replicas: replicas) ?? [:]
        self.routes = profile.routes.enumerated().map { index, route in
            var limiter: RouteLimiter?
            if let old = kept[route.name], let limit = route.limit {
                limiter =
                    !refillBuckets && old.limit == limit
                    ? old : RouteLimiter(limit: limit, divisor: replicas, gatesFrom: old)
            }
            return RouteState(
                route: route, index: index, stream: UInt64(index + 1), divisor: replicas, limiter: limiter)
        }
        self.index = RouteIndex(profile.routes.map(\.match))
        self.fallback = RouteState(
            route: Route(name: "default", match: RouteMatch(), behavior: profile.defaults), index: profile.routes.count,
            stream: 0, divisor: replicas)
    }

    /// Limiters by route name, for a successor with the same replica count.
    private func limiters(replicas: Int) -> [String: RouteLimiter] {
        var out: [String: RouteLimiter] = [:]
        for state in routes {
            if let limiter = state.limiter, limiter.divisor == max(1, replicas) { out[state.route.name] = limiter }
        }
        return out
    }

    /// The routes' names in order, then `default` for requests no route claims; `Schedule.routeIndex`
    /// and `Rejection.routeIndex` point into this list.
    public var routeNames: [String] { routes.map(\.route.name) + [fallback.route.name] }

    /// Admitted and refused counts per scope key of a scoped route (keys held now), busiest first.
    public func scopeCounts(routeIndex: Int) -> [ScopeCount] {
        guard routeIndex < routes.count, let registry = routes[routeIndex].limiter?.registry else { return [] }
        return registry.snapshot().map { ScopeCount(key: $0.key, admitted: $0.set.admittedCount, refused: $0.set.refusedCount) }
            .sorted { $0.admitted + $0.refused > $1.admitted + $1.refused }
    }

    /// The route a request falls to, or the profile defaults: the first route whose match holds, found
    /// through the route index.
    func state<H: HeaderSource>(for request: SimRequest, headers: H) -> RouteState {
        if let found = index.first(for: request, headers: headers, in: routes) { return routes[found] }
        return fallback
    }

    /// What `state(for:headers:)` answers, by walking the routes in order: the reference the index is
    /// tested against.
    func scanState<H: HeaderSource>(for request: SimRequest, headers: H) -> RouteState {
        for state in routes where state.match.holds(for: request, headers: headers) { return state }
        return fallback
    }

    /// The name of the route that would serve the request.
    public func routeName<H: HeaderSource>(for request: SimRequest, headers: H) -> String {
        state(for: request, headers: headers).route.name
    }

    /// The most completion tokens a request is given (per choice), whatever the route's `completion_tokens`
    /// draws or the request's `max_tokens` asks: 128 Ki, above every provider's output limit, and a bound
    /// on the work one request costs (its body's text, its stream's chunks).
    public static let maxCompletionTokens = 131_072

    /// Decides what happens to one request. `nowNanos` is a monotonic clock reading.
    public func plan<H: HeaderSource>(_ request: SimRequest, headers: H, nowNanos: Int64) -> Plan {
        let state = state(for: request, headers: headers)
        let index = state.requests.wrappingAdd(1, ordering: .relaxed).oldValue
        var rng = SplitMix64(seed: seed, stream: state.stream, index: index)
        // `state.behavior` read in place each time: a local copy would retain each of its distributions.
        var schedule = Schedule()
        schedule.routeIndex = state.index
        schedule.firstByteNanos = nanoseconds(state.behavior.firstByte.sample(using: &rng))
        var tokens = min(max(1, wholeCount(state.behavior.completionTokens.sample(using: &rng))), Self.maxCompletionTokens)
        if let cap = request.maxTokens { tokens = max(0, min(tokens, cap)) }
        schedule.completionTokens = tokens
        schedule.content = state.behavior.content
        schedule.model = state.behavior.model
        schedule.gaps = GapSampler(distribution: state.behavior.perToken, rng: SplitMix64(seed: rng.next()))

        // A provider checks credentials before anything else: no quota spent, no fault, no wait.
        guard Route.admits(request, auth: state.auth) else {
            schedule.firstByteNanos = 0
            return .error(status: 401, retryAfter: nil, schedule: schedule)
        }
        if let forced = request.forced { return Self.plan(forced, schedule) }

        if let limiter = state.limiter {
            let cost = request.promptTokens + tokens * max(1, request.choices)
            switch limiter.admit(request, headers: headers, tokens: cost, nowNanos: nowNanos) {
            case .admitted(let quota, let lease):
                schedule.quota = quota
                schedule.lease = lease
            case .rejected(var rejection):
                rejection.routeName = state.route.name
                rejection.routeIndex = state.index
                rejection.retryAfterHeader = limiter.limit.retryAfter
                return .reject(rejection)
            }
        }

        for i in state.errors.indices {
            let fires: Bool
            switch state.errors[i].trigger {
            case .rate(let p): fires = rng.unit() < p
            case .first(let n): fires = state.ruleCounters[i].next() < n
            case .every(let n): fires = (state.ruleCounters[i].next() + 1) % UInt64(max(n, 1)) == 0
            }
            if fires { return Self.plan(state.errors[i].outcome, schedule) }
        }
        return .serve(schedule)
    }

    static func plan(_ outcome: ErrorRule.Outcome, _ schedule: Schedule) -> Plan {
        switch outcome {
        case .status(let status, let retryAfter): .error(status: status, retryAfter: retryAfter, schedule: schedule)
        case .fault(let fault): .fault(fault, schedule: schedule)
        }
    }
}

/// The run-time state of one route: counters and its limiter.
final class RouteState: Sendable {
    let route: Route
    /// The parts of `route` every request reads, held apart so reading one does not copy the route.
    let match: RouteMatch
    let behavior: Behavior
    let errors: [ErrorRule]
    let auth: Auth?
    let index: Int
    let stream: UInt64
    let requests = Atomic<UInt64>(0)
    let ruleCounters: [Counter]
    let limiter: RouteLimiter?

    init(route: Route, index: Int = 0, stream: UInt64, divisor: Int = 1, limiter: RouteLimiter? = nil) {
        self.route = route
        self.match = route.match
        self.behavior = route.behavior
        self.errors = route.errors
        self.auth = route.auth
        self.index = index
        self.stream = stream
        self.ruleCounters = route.errors.map { _ in Counter() }
        self.limiter = limiter ?? route.limit.map { RouteLimiter(limit: $0, divisor: divisor) }
    }
}

/// Requests one scope key of a route's limit admitted and refused.
public struct ScopeCount: Sendable, Equatable {
    public var key: String
    public var admitted: UInt64
    public var refused: UInt64
}

/// An atomic counter that can live in an array.
final class Counter: Sendable {
    private let value = Atomic<UInt64>(0)
    /// Adds one and returns the value before.
    func next() -> UInt64 {
        value.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// The count now.
    var count: UInt64 { value.load(ordering: .relaxed) }
}

extension RouteMatch {
    /// Whether every condition given holds for the request.
    func holds<H: HeaderSource>(for request: SimRequest, headers: H) -> Bool {
        if !endpoints.isEmpty && !endpoints.contains(request.endpoint) { return false }
        if let method, method != request.method { return false }
        if let model, model != request.model { return false }
        if let path, path.match(request.path) == nil { return false }
        for condition in self.headers where headers.first(condition.name) != condition.value { return false }
        return true
    }
}

extension Route {
    /// Whether the request carries the credential a route's `auth` (or else its endpoint) asks for.
    static func admits(_ request: SimRequest, auth: Auth?) -> Bool {
        switch auth ?? request.endpoint.defaultAuth {
        case .open: true
        case .any: !(request.apiKey?.isEmpty ?? true)
        case .issued: request.tokenIssued
        case .keys(let keys): request.apiKey.map { keys.contains(String($0)) } ?? false
        }
    }
}
