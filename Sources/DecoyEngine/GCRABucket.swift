import DecoyProfile
import Synchronization

/// One token bucket, kept as GCRA keeps it: a single atomic holding the theoretical arrival time (TAT).
///
/// The bucket is full when TAT ≤ now. Taking `n` units pushes TAT `n` emission intervals past
/// `max(TAT, now)`, and is allowed while TAT stays within the bucket's capacity of now. One atomic and a
/// compare-exchange loop; no lock. Time is whatever monotonic nanosecond reading the caller passes.
final class GCRABucket: Sendable {
    /// The limit per minute this bucket enforces, as `x-ratelimit-limit-*` reports it.
    let perMinute: Double
    /// Nanoseconds one unit pushes TAT (1 / rate); `+infinity` for a rate that is not positive.
    let emissionNanos: Double
    /// How far ahead of now TAT may be: capacity × emission interval. Negative for a bucket that
    /// takes nothing (a rate that is not positive).
    let capacityNanos: Int64
    /// The bucket's size in units (at least 1).
    let capacity: Double
    private let tat = Atomic<Int64>(.min)

    /// A bucket refilled at `perMinute / 60` units a second, holding `burst` (a time's worth of the
    /// rate, or a count; at least one unit).
    init(perMinute: Double, burst: Limit.Burst) {
        self.perMinute = perMinute
        let rate = perMinute / 60
        let size: Double
        switch burst {
        case .duration(let seconds): size = seconds * rate
        case .count(let count): size = count
        }
        capacity = size.isFinite ? max(1, size) : 1
        if rate > 0 && rate.isFinite {
            emissionNanos = 1e9 / rate
            capacityNanos = Self.saturating(capacity * emissionNanos)
        } else {
            emissionNanos = .infinity
            capacityNanos = -1
        }
    }

    /// What a take did.
    enum Outcome: Sendable, Equatable {
        /// Taken; the bucket's TAT afterwards.
        case taken(tat: Int64)
        /// Not taken; the wait until it would be, and the TAT seen.
        case refused(waitNanos: Int64, tat: Int64)
    }

    /// Nanoseconds `units` push TAT: at least 1 ns for any positive cost, saturated far from overflow.
    func increment(_ units: Int) -> Int64 {
        guard units > 0 else { return 0 }
        return max(1, Self.saturating(Double(units) * emissionNanos))
    }

    /// Whether `units` exceed the whole bucket, so no wait would ever admit them.
    func neverFits(_ units: Int) -> Bool {
        increment(units) > capacityNanos
    }

    /// Takes `units` if the bucket holds them at `now`; otherwise leaves it as it is.
    func take(_ units: Int, now: Int64) -> Outcome {
        let increment = increment(units)
        var current = tat.load(ordering: .relaxed)
        while true {
            let next = max(current, now) + increment
            let ahead = next - now
            if ahead > capacityNanos { return .refused(waitNanos: ahead - capacityNanos, tat: current) }
            // Relaxed is enough: the TAT is the only state, and the exchange is one atomic read-modify-write.
            let (exchanged, original) = tat.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return .taken(tat: next) }
            current = original
        }
    }

    /// Nanoseconds until `units` would be taken at `now` (0 if they would be now), taking nothing.
    func wait(for units: Int, now: Int64) -> Int64 {
        let current = tat.load(ordering: .relaxed)
        return max(0, max(current, now) + increment(units) - now - capacityNanos)
    }

    /// Undoes a `take(units, now:)` that returned `.taken(tat: taken)`.
    ///
    /// Exact when nobody took from the bucket since (TAT goes back to where the take started, which at
    /// `now` is the same bucket); otherwise it subtracts the increment, no lower than `now` (a bucket cannot
    /// be fuller than full). If the bucket had gone full again in between, that can hand back up to `units`
    /// of credit that had in fact already refilled: a rare race, bounded by what was taken, and the only
    /// place the limiter errs towards admitting.
    func giveBack(_ units: Int, now: Int64, taken: Int64) {
        let increment = increment(units)
        var current = taken
        var desired = taken - increment
        while true {
            let (exchanged, original) = tat.compareExchange(expected: current, desired: desired, ordering: .relaxed)
            if exchanged { return }
            current = original
            desired = max(current - increment, min(current, now))
        }
    }

    /// The TAT as it stands.
    func load() -> Int64 { tat.load(ordering: .relaxed) }

    /// Whole units the bucket could take at `now` if its TAT were `tat`, and seconds until it is full.
    func status(tat: Int64, now: Int64) -> (remaining: Int, reset: Double) {
        let ahead = max(tat, now) - now
        let room = capacityNanos - ahead
        let remaining = room <= 0 ? 0 : Int(min(Double(room) / emissionNanos + 1e-9, Double(Int.max / 2)))
        return (remaining, Double(ahead) / 1e9)
    }

    /// Whether the bucket is full at `now`, so a fresh bucket would behave the same.
    func isFull(now: Int64) -> Bool { load() <= now }

    /// The limit per minute as a whole number for headers.
    var limit: Int { Int(min(max(perMinute, 0), Double(Int.max / 2)).rounded(.down)) }

    /// `x` rounded to nanoseconds and kept well inside `Int64` (a quarter of its range, 73 years).
    static func saturating(_ x: Double) -> Int64 {
        if x.isNaN || x <= 0 { return 0 }
        let ceiling = Int64.max / 4
        return x >= Double(ceiling) ? ceiling : Int64(x.rounded())
    }
}
