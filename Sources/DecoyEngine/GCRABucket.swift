import DecoyProfile
import Synchronization

/// One token bucket, kept as GCRA keeps it: a single atomic holding the theoretical arrival time (TAT).
///
/// The bucket is full when TAT ≤ now. Taking `n` units pushes TAT `n` emission intervals past
/// `max(TAT, now)`, and is allowed while TAT stays within the bucket's capacity of now. One atomic and a
/// compare-exchange loop; no lock. Time is whatever monotonic nanosecond reading the caller passes.
///
/// The arithmetic is exact. Time is counted in ticks of 1/`ticksPerNanosecond` ns, where
/// `ticksPerNanosecond` is the rate's numerator: a rate of `r = p / 2^k` per minute (every whole rate has
/// k = 0) makes one unit's interval 60e9 × 2^k ticks, a whole number, so no take rounds and a burst costs
/// exactly what the capacity holds. A bucket of `size` units full at `t` therefore admits exactly ⌊size⌋
/// at `t` and, while it does not fill up again, ⌊size + e × rate⌋ by `t + e`: a fractional size (rpm 90
/// with a 1 s burst holds 1.5) admits its whole part at once and carries the fraction, so the next unit
/// comes half an interval early. The TAT is an `Int128` of ticks (now × p stays below 2^126), held in
/// one double-word atomic, a 16-byte compare-exchange.
final class GCRABucket: Sendable {
    /// The limit per minute this bucket enforces, as `x-ratelimit-limit-*` reports it.
    let perMinute: Double
    /// Ticks in a nanosecond: the rate's numerator `p`. 1 for a bucket that takes nothing.
    let ticksPerNanosecond: Int128
    /// Ticks one unit pushes TAT: 60e9 × 2^k. `ceiling` for a bucket that takes nothing.
    let emissionTicks: Int128
    /// How far ahead of now TAT may be, in ticks: the size × the emission interval, at least one unit's.
    /// Negative for a bucket that takes nothing (a rate that is not positive and finite).
    let capacityTicks: Int128
    private let tat = Atomic<WordPair>(GCRABucket.pair(.min))

    /// Where every figure in ticks is held, far from `Int128`'s end: TAT ≤ now × p + capacity < 2^126 + 2^124.
    static let ceiling: Int128 = 1 << 124
    /// The finest rate kept exactly: a rate per minute is held as p / 2^k with k ≤ 40.
    static let maxFractionBits = 40

    /// A bucket refilled at `perMinute / 60` units a second, holding `burst` (a time's worth of the
    /// rate, or a count; at least one unit).
    ///
    /// A duration is taken to the nanosecond: the bucket holds exactly that many nanoseconds of the rate.
    init(perMinute: Double, burst: Limit.Burst) {
        precondition(UInt.bitWidth == 64, "the TAT is two 64-bit words")
        self.perMinute = perMinute
        guard let (numerator, fractionBits) = Self.rational(perMinute) else {
            ticksPerNanosecond = 1
            emissionTicks = Self.ceiling
            capacityTicks = -1
            return
        }
        ticksPerNanosecond = numerator
        let emission = Int128(60_000_000_000) << fractionBits
        emissionTicks = emission
        let capacity: Int128
        switch burst {
        case .duration(let seconds): capacity = Self.product((seconds * 1e9).rounded(), numerator)
        case .count(let count): capacity = Self.product(count, emission)
        }
        capacityTicks = max(capacity, emission)
    }

    /// `perMinute` as p / 2^k, exactly when it has no bits below 2^-40 (every whole number, and halves,
    /// quarters …), else rounded there; `nil` for a rate that is not positive and finite.
    static func rational(_ perMinute: Double) -> (numerator: Int128, fractionBits: Int)? {
        guard perMinute > 0, perMinute.isFinite else { return nil }
        // Past 2^62 a minute (a unit every 13 fs) every rate behaves alike; the cap keeps now × p < 2^126.
        let rate = min(perMinute, 0x1p62)
        var bits = 0
        var scaled = rate
        while bits < maxFractionBits && scaled.rounded(.towardZero) != scaled {
            bits += 1
            scaled = rate * Double(1 << bits)
        }
        return (max(1, Int128(scaled.rounded())), bits)
    }

    /// `x × factor` in ticks, exact when `x` is a whole number below 2^47, held to [0, `ceiling`]; 0 for an
    /// `x` that is not finite, so such a burst holds one unit, as it always has.
    static func product(_ x: Double, _ factor: Int128) -> Int128 {
        guard x > 0, x.isFinite else { return 0 }  // also NaN
        if x < 0x1p47 && x.rounded(.towardZero) == x {
            return min(Int128(x) * factor, ceiling)
        }
        let product = x * Double(factor)
        return product < Double(ceiling) ? Int128(product.rounded()) : ceiling
    }

    /// What a take did.
    enum Outcome: Sendable, Equatable {
        /// Taken; the bucket's TAT afterwards, in ticks.
        case taken(tat: Int128)
        /// Not taken; the wait until it would be, and the TAT seen.
        case refused(waitNanos: Int64, tat: Int128)
    }

    /// Ticks `units` push TAT, held to `ceiling`.
    func increment(_ units: Int) -> Int128 {
        guard units > 0 else { return 0 }
        let (product, overflow) = Int128(units).multipliedReportingOverflow(by: emissionTicks)
        return overflow ? Self.ceiling : min(product, Self.ceiling)
    }

    /// A clock reading in ticks.
    func ticks(_ nanos: Int64) -> Int128 { Int128(nanos) * ticksPerNanosecond }

    /// Ticks as whole nanoseconds, rounded up (a wait is never short), held to a quarter of `Int64`.
    func nanosRoundedUp(_ ticks: Int128) -> Int64 {
        guard ticks > 0 else { return 0 }
        let nanos = Self.quotient(ticks + ticksPerNanosecond - 1, ticksPerNanosecond)
        return nanos < Int128(Int64.max / 4) ? Int64(nanos) : Int64.max / 4
    }

    /// `x` as a `Double`, through `Int64` when it fits (the generic conversion is far slower).
    @inline(__always)
    static func double(_ x: Int128) -> Double {
        if let x = Int64(exactly: x) { return Double(x) }
        return Double(x)
    }

    /// `a / b` for `a ≥ 0`, `b > 0`: a 64-bit division when both fit, as they do but for huge buckets (a
    /// 128-bit one is a library call several times slower).
    @inline(__always)
    static func quotient(_ a: Int128, _ b: Int128) -> Int128 {
        if let a = Int64(exactly: a), let b = Int64(exactly: b) { return Int128(a / b) }
        return a / b
    }

    /// Whether `units` exceed the whole bucket, so no wait would ever admit them.
    func neverFits(_ units: Int) -> Bool {
        increment(units) > capacityTicks
    }

    /// Takes `units` if the bucket holds them at `now`; otherwise leaves it as it is.
    func take(_ units: Int, now: Int64) -> Outcome {
        let increment = increment(units)
        let now = ticks(now)
        var current = load()
        while true {
            let next = max(current, now) + increment
            let ahead = next - now
            if ahead > capacityTicks {
                return .refused(waitNanos: nanosRoundedUp(ahead - capacityTicks), tat: current)
            }
            // Relaxed is enough: the TAT is the only state, and the exchange is one atomic read-modify-write.
            if let original = exchange(expected: current, desired: next) {
                current = original
            } else {
                return .taken(tat: next)
            }
        }
    }

    /// Nanoseconds until `units` would be taken at `now` (0 if they would be now), taking nothing.
    func wait(for units: Int, now: Int64) -> Int64 {
        let now = ticks(now)
        return nanosRoundedUp(max(0, max(load(), now) + increment(units) - now - capacityTicks))
    }

    /// Undoes a `take(units, now:)` that returned `.taken(tat: taken)`.
    ///
    /// Exact when nobody took from the bucket since (TAT goes back to where the take started, which at
    /// `now` is the same bucket); otherwise it subtracts the increment, no lower than `now` (a bucket cannot
    /// be fuller than full). If the bucket had gone full again in between, that can hand back up to `units`
    /// of credit that had in fact already refilled: a rare race, bounded by what was taken, and the only
    /// place the limiter errs towards admitting.
    func giveBack(_ units: Int, now: Int64, taken: Int128) {
        let increment = increment(units)
        let now = ticks(now)
        var current = taken
        var desired = taken - increment
        while let original = exchange(expected: current, desired: desired) {
            current = original
            desired = max(current - increment, min(current, now))
        }
    }

    /// The TAT as it stands, in ticks.
    func load() -> Int128 { Self.value(tat.load(ordering: .relaxed)) }

    /// Whole units the bucket could take at `now` if its TAT were `tat`, and seconds until it is full.
    func status(tat: Int128, now: Int64) -> (remaining: Int, reset: Double) {
        let now = ticks(now)
        let ahead = max(tat, now) - now
        let room = capacityTicks - ahead
        let remaining = room <= 0 ? 0 : Int(min(Self.quotient(room, emissionTicks), Int128(Int.max / 2)))
        return (remaining, Self.double(ahead) / Self.double(ticksPerNanosecond) / 1e9)
    }

    /// Whether the bucket is full at `now`, so a fresh bucket would behave the same.
    func isFull(now: Int64) -> Bool { load() <= ticks(now) }

    /// The limit per minute as a whole number for headers.
    var limit: Int { Int(min(max(perMinute, 0), Double(Int.max / 2)).rounded(.down)) }

    /// Sets the TAT from `expected` to `desired`; `nil` when done, else the TAT found.
    private func exchange(expected: Int128, desired: Int128) -> Int128? {
        let (exchanged, original) = tat.compareExchange(
            expected: Self.pair(expected), desired: Self.pair(desired), ordering: .relaxed)
        return exchanged ? nil : Self.value(original)
    }

    private static func pair(_ value: Int128) -> WordPair {
        WordPair(first: UInt(truncatingIfNeeded: value), second: UInt(truncatingIfNeeded: value >> 64))
    }

    private static func value(_ pair: WordPair) -> Int128 {
        Int128(Int64(bitPattern: UInt64(pair.second))) << 64 | Int128(UInt64(pair.first))
    }
}
