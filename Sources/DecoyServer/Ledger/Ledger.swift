import DecoyEngine
import Synchronization

/// Every route's ledger, kept by route name so counts survive a profile reload.
///
/// The lock here is taken only when a profile is loaded, reset or read by the admin API; requests reach
/// their `RouteLedger` through the array `ledgers(for:)` returns, with no lookup.
final class Ledger: Sendable {
    /// Requests no route reached: bad bodies, unknown paths, oversized bodies.
    let unrouted = RouteLedger(name: "(unrouted)")
    private let byName = Mutex<[String: RouteLedger]>([:])
    private let started = Mutex<UInt64>(0)

    init(nowNanos: UInt64) {
        started.withLock { $0 = nowNanos }
    }

    /// The ledgers of an engine's routes, in `Engine.routeNames` order; known names keep their counts.
    func ledgers(for engine: Engine) -> [RouteLedger] {
        byName.withLock { table in
            engine.routeNames.map { name in
                if let ledger = table[name] { return ledger }
                let ledger = RouteLedger(name: name)
                table[name] = ledger
                return ledger
            }
        }
    }

    /// Zeroes every count.
    func reset(nowNanos: UInt64) {
        byName.withLock { table in
            for ledger in table.values { ledger.counters.reset() }
        }
        unrouted.counters.reset()
        started.withLock { $0 = nowNanos }
    }

    /// When counting began (start or last reset), monotonic nanoseconds.
    var since: UInt64 { started.withLock { $0 } }
}
