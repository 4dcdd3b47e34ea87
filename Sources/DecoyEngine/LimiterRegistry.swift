import Synchronization

/// The bucket sets of a scoped route, one per scope key: the Engine's one lock.
///
/// The lock covers only the lookup; admission then runs on the set's atomics. The registry holds at
/// most `capacity` keys. When a new key finds it full, sets that are idle (buckets full, nothing in
/// flight: the same as a fresh set, so dropping them changes nobody's quota) are swept out, at most once
/// per `sweepIntervalNanos`. If it is still full, the new key shares one overflow set with every other
/// key that did not fit: under a flood of distinct keys they get one quota between them, never a fresh
/// one each, so the registry errs towards refusing, not towards admitting.
final class LimiterRegistry: Sendable {
    /// The most keys held.
    let capacity: Int
    /// The least time between two sweeps, so a flood of busy keys does not sweep on every request.
    let sweepIntervalNanos: Int64
    /// Shared by the keys that find the registry full.
    let overflow: BucketSet
    private let make: @Sendable (String) -> BucketSet
    private let state = Mutex(State())

    private struct State {
        var sets: [String: BucketSet] = [:]
        var lastSweep: Int64?
    }

    /// A registry that makes the set of a new key with `make(key)`, and shares `overflow` among the keys that
    /// find it full.
    init(
        capacity: Int = 100_000, sweepIntervalNanos: Int64 = 1_000_000_000, overflow: BucketSet,
        make: @escaping @Sendable (String) -> BucketSet
    ) {
        self.capacity = max(1, capacity)
        self.sweepIntervalNanos = sweepIntervalNanos
        self.make = make
        self.overflow = overflow
    }

    /// The set for `key`, made on first use.
    ///
    /// A sweep can drop a set between this lookup and its use by the caller; that request then counts
    /// against a set nobody sees again. The window is one lookup long and needs a key idle until that
    /// instant, so it is at most a request per key per sweep.
    func set(for key: String, nowNanos: Int64) -> BucketSet {
        state.withLock { state in
            if let set = state.sets[key] { return set }
            if state.sets.count >= capacity {
                if let last = state.lastSweep, nowNanos &- last < sweepIntervalNanos { return overflow }
                state.lastSweep = nowNanos
                state.sets = state.sets.filter { !$0.value.isIdle(now: nowNanos) }
                if state.sets.count >= capacity { return overflow }
            }
            let set = make(key)
            state.sets[key] = set
            return set
        }
    }

    /// Every key held now with its set.
    func snapshot() -> [(key: String, set: BucketSet)] {
        state.withLock { $0.sets.map { (key: $0.key, set: $0.value) } }
    }

    /// Keys held now.
    var count: Int { state.withLock { $0.sets.count } }
}
