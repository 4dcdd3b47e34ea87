import DecoyProfile
import Synchronization

/// The quota of one scope value (or of a whole unscoped route): a request bucket, a token bucket and an
/// in-flight gate, each optional. A request must pass all of them, and takes from none if one refuses.
final class BucketSet: Sendable {
    let requests: GCRABucket?
    let tokens: GCRABucket?
    let gate: ConcurrencyGate?
    private let admitted = Counter()
    private let refused = Counter()

    /// Requests this set admitted, and refused, since it was made.
    var admittedCount: UInt64 { admitted.count }
    var refusedCount: UInt64 { refused.count }

    /// Seconds a request refused for concurrency is told to wait. The Engine cannot know when a slot frees,
    /// so it says one second: the smallest whole `retry-after`.
    static let concurrencyRetryAfter = 1.0

    /// The buckets `limit` asks for, each rate and the concurrency divided by `divisor` (for replicas).
    ///
    /// `burst` sizes both buckets. A duration is a time's worth of each rate. A count is of requests:
    /// the token bucket then holds the time those requests take at the request rate (`burst: 10` with
    /// `rpm: 600`, `tpm: 60000` holds 10 requests and 1 s = 1000 tokens). Only without `rpm` is a count
    /// a number of tokens.
    ///
    /// `gate`, when given, is the concurrency gate to use instead of a fresh one: the gate of the set this
    /// one replaces across a reload or reset, whose holders are still running.
    init(limit: Limit, divisor: Int = 1, gate: ConcurrencyGate? = nil) {
        let divisor = Double(max(1, divisor))
        let rpm = limit.rpm.map { $0 / divisor }
        var burst = limit.burst
        if case .count(let count) = burst { burst = .count(count / divisor) }
        let tpm = limit.tpm.map { $0 / divisor }
        var tokenBurst = burst
        // count × tpm / rpm tokens, not a duration of count × 60 / rpm seconds: the quotient is exact
        // whenever it is a whole number (3 requests at rpm 7 are 3000 tokens at tpm 7000, not 2999.99…).
        if case .count(let count) = burst, let rpm, rpm > 0, let tpm { tokenBurst = .count(count * tpm / rpm) }
        requests = rpm.map { GCRABucket(perMinute: $0, burst: burst) }
        tokens = tpm.map { GCRABucket(perMinute: $0, burst: tokenBurst) }
        self.gate = gate ?? limit.concurrency.map {
            ConcurrencyGate(capacity: Int((Double($0) / divisor).rounded(.down)), queue: Int((Double(limit.queue) / divisor).rounded(.down)))
        }
    }

    /// Admits a request costing `cost` tokens at `now`, or says why not.
    ///
    /// Order, so that a refusal leaves every bucket as it was, without a lock:
    /// 1. the gate's slot (given back on any later refusal: an exact decrement);
    /// 2. requests that no wait would admit (bigger than a bucket, or a rate of 0) are refused;
    /// 3. the token bucket is *checked* without taking: a request it would refuse takes nothing anywhere;
    /// 4. the request bucket takes one;
    /// 5. the token bucket takes the cost. Only if another thread drained it between 3 and 5 does this
    ///    refuse, and then the request taken in 4 is given back by compare-exchange (`GCRABucket.giveBack`),
    ///    so the only rollback ever needed is of one request, in a race.
    func admit(tokens cost: Int, now: Int64) -> RouteLimiter.Admission {
        let admission = decide(tokens: cost, now: now)
        if case .admitted = admission {
            _ = admitted.next()
        } else {
            _ = refused.next()
        }
        return admission
    }

    private func decide(tokens cost: Int, now: Int64) -> RouteLimiter.Admission {
        var waiting: Lease?
        if let gate {
            switch gate.acquire() {
            case .granted: break
            case .queued(let lease): waiting = lease
            case .full: return .rejected(rejection(.concurrency, waitNanos: 0, requested: 1, now: now))
            }
        }
        /// Gives back the slot, or the place in the queue, on a later refusal.
        func undo() {
            if let waiting { waiting.release() } else { gate?.release() }
        }
        if let requests, requests.neverFits(1) {
            undo()
            return .rejected(oversized(.requests, requested: 1, now: now))
        }
        if let tokens {
            if tokens.neverFits(cost) {
                undo()
                return .rejected(oversized(.tokens, requested: cost, now: now))
            }
            let tokenWait = tokens.wait(for: cost, now: now)
            if tokenWait > 0 {
                undo()
                // Report whichever limit keeps the request out longer, and that whole wait.
                let requestWait = requests?.wait(for: 1, now: now) ?? 0
                return .rejected(
                    requestWait > tokenWait
                        ? rejection(.requests, waitNanos: requestWait, requested: 1, now: now)
                        : rejection(.tokens, waitNanos: tokenWait, requested: cost, now: now))
            }
        }
        switch take(tokens: cost, now: now) {
        case .admitted(let quota, _):
            return .admitted(quota, waiting ?? gate?.lease())
        case .rejected(let rejection):
            undo()
            return .rejected(rejection)
        }
    }

    /// Steps 4 and 5 of `admit`: takes one request and then `cost` tokens, giving the request back if the
    /// tokens are refused. `admit` checks the tokens first, so that refusal only happens when another thread
    /// took them in between (tests call this directly to play that race). Holds no concurrency slot.
    func take(tokens cost: Int, now: Int64) -> RouteLimiter.Admission {
        var requestTat: Int128?
        if let requests {
            switch requests.take(1, now: now) {
            case .refused(let wait, _):
                return .rejected(rejection(.requests, waitNanos: wait, requested: 1, now: now))
            case .taken(let tat):
                requestTat = tat
            }
        }
        var tokenTat: Int128?
        if let tokens {
            switch tokens.take(cost, now: now) {
            case .refused(let wait, _):
                if let requests, let requestTat { requests.giveBack(1, now: now, taken: requestTat) }
                return .rejected(rejection(.tokens, waitNanos: wait, requested: cost, now: now))
            case .taken(let tat):
                tokenTat = tat
            }
        }
        return .admitted(status(requestTat: requestTat, tokenTat: tokenTat, now: now), nil)
    }

    /// A refusal of a request no wait would admit: `retryAfter` is the time until the bucket is full, the
    /// most a client could usefully wait (a rate of 0 reports 0, which a header rounds up to 1).
    private func oversized(_ kind: Rejection.Kind, requested: Int, now: Int64) -> Rejection {
        var rejection = rejection(kind, waitNanos: 0, requested: requested, now: now)
        rejection.exceedsCapacity = true
        rejection.retryAfter = kind == .tokens ? rejection.quota.resetTokens : rejection.quota.resetRequests
        return rejection
    }

    /// A refusal reporting the buckets as they stand.
    private func rejection(_ kind: Rejection.Kind, waitNanos: Int64, requested: Int, now: Int64) -> Rejection {
        let retryAfter = kind == .concurrency ? Self.concurrencyRetryAfter : Double(waitNanos) / 1e9
        var rejection = Rejection(kind: kind, retryAfter: retryAfter, quota: status(now: now), routeName: "")
        rejection.requested = requested
        return rejection
    }

    /// The buckets' state at `now` as `x-ratelimit-*` headers tell it, given TATs just set by this request
    /// (or the current ones when `nil`).
    func status(requestTat: Int128? = nil, tokenTat: Int128? = nil, now: Int64) -> QuotaStatus {
        var quota = QuotaStatus()
        if let requests {
            let (remaining, reset) = requests.status(tat: requestTat ?? requests.load(), now: now)
            quota.limitRequests = requests.limit
            quota.remainingRequests = remaining
            quota.resetRequests = reset
        }
        if let tokens {
            let (remaining, reset) = tokens.status(tat: tokenTat ?? tokens.load(), now: now)
            quota.limitTokens = tokens.limit
            quota.remainingTokens = remaining
            quota.resetTokens = reset
        }
        return quota
    }

    /// Whether this set is indistinguishable from a fresh one at `now` (buckets full, nothing in flight),
    /// so the registry can drop it without changing anyone's quota.
    func isIdle(now: Int64) -> Bool {
        (requests?.isFull(now: now) ?? true) && (tokens?.isFull(now: now) ?? true) && (gate?.inFlight ?? 0) == 0 && (gate?.queued ?? 0) == 0
    }
}
