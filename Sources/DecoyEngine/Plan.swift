import DecoyProfile
import Synchronization

/// The Engine's decision for one request: a plain value the Responder executes without knowing why.
public enum Plan: Sendable {
    /// Serve a normal answer on this schedule.
    case serve(Schedule)
    /// Refused by a limit: the dialect's 429.
    case reject(Rejection)
    /// An injected HTTP error in the dialect's envelope, after the schedule's first-byte delay.
    case error(status: Int, retryAfter: Double?, schedule: Schedule)
    /// A connection fault; `truncate`, `malformed` and `stream_error` still follow the schedule.
    case fault(Fault, schedule: Schedule)

    /// The schedule every plan but a rejection carries.
    public var schedule: Schedule? {
        switch self {
        case .serve(let s), .error(_, _, let s), .fault(_, let s): s
        case .reject: nil
        }
    }

    /// The concurrency lease of the schedule, if any (without copying the schedule out).
    public var lease: Lease? {
        switch self {
        case .serve(let s), .error(_, _, let s), .fault(_, let s): s.lease
        case .reject: nil
        }
    }
}

/// When to write what: delays and sizes drawn for one request.
public struct Schedule: Sendable {
    /// Delay before the response head, in nanoseconds.
    public var firstByteNanos: Int64
    /// Tokens each choice generates.
    public var completionTokens: Int
    /// Draws the gap before each stream chunk (and the per-token time of a non-stream body).
    public var gaps: GapSampler
    /// The quota state to report in `x-ratelimit-*` headers, if the route has a limit.
    public var quota: QuotaStatus?
    /// Released when the response is complete or the connection goes away.
    public var lease: Lease?
    /// What the generated text says, from the route's `response.content`.
    public var content: Behavior.Content = .lorem
    /// The model name the answer reports, from the route's `response.model`; `nil` reports the requested one.
    public var model: String?
    /// The route that served the request: its position in `Engine.routeNames`, for the ledger.
    public var routeIndex: Int = 0

    public init(
        firstByteNanos: Int64 = 0, completionTokens: Int = 16, gaps: GapSampler = GapSampler(),
        quota: QuotaStatus? = nil, lease: Lease? = nil
    ) {
        self.firstByteNanos = firstByteNanos
        self.completionTokens = completionTokens
        self.gaps = gaps
        self.quota = quota
        self.lease = lease
    }

    /// The most gaps `nonStreamDelayNanos` draws one by one.
    public static let drawnGaps = 256

    /// The whole time a non-stream answer takes: first byte plus a gap per completion token, held to
    /// 10^18 ns like every drawn time.
    ///
    /// The work is bounded whatever the token count N. Fixed gaps sum to exactly N × the gap. Otherwise
    /// the first `drawnGaps` gaps are drawn one by one, so an answer of up to 256 tokens is exactly the sum
    /// of its own draws, and the other M = N − 256 are drawn at once as one normal with the exact mean and
    /// variance of their sum, M μ and M σ² (from `Distribution.moments`; a gap held at 0 included), held
    /// at 0. Mean and spread are those of drawing every gap; only the shape of the rest is the central
    /// limit theorem's, which for a sum of more than 256 independent gaps is close to it unless one gap's
    /// variance is infinite or nearly so (a lognormal with σ well past 2).
    public mutating func nonStreamDelayNanos() -> Int64 {
        let ceiling: Int64 = 1_000_000_000_000_000_000
        let tokens = max(0, completionTokens)
        var total = min(max(0, firstByteNanos), ceiling)
        if case .fixed(let v) = gaps.distribution {
            let (product, overflow) = Int64(tokens).multipliedReportingOverflow(by: nanoseconds(v))
            return overflow ? ceiling : min(total + min(product, ceiling), ceiling)
        }
        for _ in 0..<min(tokens, Self.drawnGaps) { total = min(total + gaps.nextNanos(), ceiling) }
        let rest = tokens - min(tokens, Self.drawnGaps)
        guard rest > 0 else { return total }
        let (mean, variance) = gaps.distribution.moments
        let count = Double(rest)
        let sum = count * mean + (count * variance).squareRoot() * Distribution.standardNormal(&gaps.rng)
        return min(total + nanoseconds(sum), ceiling)
    }
}

/// Why a request was refused, with what the provider's 429 headers report.
public struct Rejection: Sendable {
    public enum Kind: Sendable { case requests, tokens, concurrency }
    public var kind: Kind
    /// Seconds until the request could be admitted, exact; a `retry-after` header rounds it up to a whole
    /// number of at least 1. For `.concurrency` it is 1 (nobody knows when a slot frees).
    public var retryAfter: Double
    public var quota: QuotaStatus
    public var routeName: String
    /// The route's position in `Engine.routeNames`, for the ledger.
    public var routeIndex: Int = 0
    /// What the request asked of the refusing limit: its tokens for `.tokens`, else 1 (OpenAI's
    /// "Requested N" in the 429 message).
    public var requested: Int
    /// The request is bigger than the whole bucket (or the rate is 0): no wait would admit it. OpenAI says
    /// "Request too large … on tokens per min" for this; `retryAfter` is then the time until the bucket is full.
    public var exceedsCapacity: Bool
    /// Whether the 429 names its wait in a `retry-after` header: the refusing limit's `retry_after`.
    public var retryAfterHeader: Limit.RetryAfter = .provider

    public init(
        kind: Kind, retryAfter: Double, quota: QuotaStatus, routeName: String, requested: Int = 1,
        exceedsCapacity: Bool = false
    ) {
        self.kind = kind
        self.retryAfter = retryAfter
        self.quota = quota
        self.routeName = routeName
        self.requested = requested
        self.exceedsCapacity = exceedsCapacity
    }
}

/// The state of a route's buckets as `x-ratelimit-*` headers tell it.
///
/// Figures are of the bucket the request counted against (its scope's, for a scoped route), after this
/// request took its share when it was admitted, as they stand when it was refused.
public struct QuotaStatus: Sendable, Equatable {
    /// Requests per minute (this replica's share); `nil` when the route has no request bucket.
    public var limitRequests: Int?
    /// Whole requests the bucket could take right now.
    public var remainingRequests: Int
    /// Seconds until the request bucket is full again.
    public var resetRequests: Double
    /// Tokens per minute (this replica's share); `nil` when the route has no token bucket.
    public var limitTokens: Int?
    /// Whole tokens the bucket could take right now.
    public var remainingTokens: Int
    /// Seconds until the token bucket is full again.
    public var resetTokens: Double

    public init(
        limitRequests: Int? = nil, remainingRequests: Int = 0, resetRequests: Double = 0,
        limitTokens: Int? = nil, remainingTokens: Int = 0, resetTokens: Double = 0
    ) {
        self.limitRequests = limitRequests
        self.remainingRequests = remainingRequests
        self.resetRequests = resetRequests
        self.limitTokens = limitTokens
        self.remainingTokens = remainingTokens
        self.resetTokens = resetTokens
    }
}

/// A concurrency slot: held, or waited for in a route's queue. `release()` frees a held slot or leaves
/// the queue; more than once is harmless, and dropping the lease releases it.
public final class Lease: Sendable {
    private enum State {
        case waiting(onGranted: (@Sendable () -> Void)?)
        case held
        case released
    }

    private let onRelease: @Sendable () -> Void
    private let onCancel: (@Sendable (Lease) -> Void)?
    private let state: Mutex<State>

    /// A slot already held; `onRelease` frees it.
    public init(onRelease: @escaping @Sendable () -> Void) {
        self.onRelease = onRelease
        self.onCancel = nil
        self.state = Mutex(.held)
    }

    /// A place in a queue: `grant()` makes it a held slot; releasing it before that calls `onCancel`.
    init(pending onRelease: @escaping @Sendable () -> Void, onCancel: @escaping @Sendable (Lease) -> Void) {
        self.onRelease = onRelease
        self.onCancel = onCancel
        self.state = Mutex(.waiting(onGranted: nil))
    }

    /// Whether the request still waits for its slot.
    public var isWaiting: Bool {
        state.withLock { if case .waiting = $0 { true } else { false } }
    }

    /// Runs `body` once the slot is held: now if it is, else when the queue grants it (on the releasing
    /// thread). Never runs if the lease is released first.
    public func whenGranted(_ body: @escaping @Sendable () -> Void) {
        let now: Bool = state.withLock { state in
            switch state {
            case .held: return true
            case .waiting: state = .waiting(onGranted: body); return false
            case .released: return false
            }
        }
        if now { body() }
    }

    /// Called by the gate when a slot is handed to this waiter.
    func grant() {
        let (callback, cancelled): ((@Sendable () -> Void)?, Bool) = state.withLock { state in
            switch state {
            case .waiting(let body): state = .held; return (body, false)
            case .held: return (nil, false)
            case .released: return (nil, true)
            }
        }
        if cancelled { onRelease() }  // it left as the slot arrived: pass the slot on
        callback?()
    }

    public func release() {
        let previous: State = state.withLock { state in
            let old = state
            state = .released
            return old
        }
        switch previous {
        case .held: onRelease()
        case .waiting: onCancel?(self)
        case .released: break
        }
    }

    deinit { release() }
}
