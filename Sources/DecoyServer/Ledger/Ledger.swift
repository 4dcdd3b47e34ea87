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

    /// Every ledger to report: `current` (the generation's, in route order), then the ledgers of routes a
    /// reload removed, by name, then `unrouted`.
    ///
    /// A removed route's counts stay reported as they were, so every counter `/metrics` exports only ever
    /// grows between resets, as Prometheus expects of a counter: dropping the series would read as a
    /// drop to 0, and the route coming back (its ledger kept by name) as a jump from 0 to its old total,
    /// which `rate()` and `increase()` count as traffic.
    func reported(current: [RouteLedger]) -> [RouteLedger] {
        let names = Set(current.map(\.name))
        let removed = byName.withLock { table in table.values.filter { !names.contains($0.name) } }
        return current + removed.sorted { $0.name < $1.name } + [unrouted]
    }

    /// Zeroes every count, and forgets the ledgers of routes not in `keeping` (a reset is where counters
    /// may start over, so a removed route's series can end there).
    func reset(nowNanos: UInt64, keeping names: [String]? = nil) {
        byName.withLock { table in
            if let names {
                let kept = Set(names)
                table = table.filter { kept.contains($0.key) }
            }
            for ledger in table.values { ledger.counters.reset() }
        }
        unrouted.counters.reset()
        started.withLock { $0 = nowNanos }
    }

    /// When counting began (start or last reset), monotonic nanoseconds.
    var since: UInt64 { started.withLock { $0 } }
}
