import Synchronization

/// An in-flight cap: an atomic count of held slots, taken by compare-exchange so it never overshoots.
///
/// `queue:` is not implemented yet: a full gate refuses at once, whatever the profile's `queue` says.
/// The intended shape, when it lands: `Plan` gains a way to hand back a ticket; a full gate appends the
/// ticket's callback to a bounded waiter list (taking a lock only when full), and `release()` hands the
/// slot straight to the first waiter instead of decrementing, so a slot is never free while someone waits.
final class ConcurrencyGate: Sendable {
    /// Slots available; at least 1.
    let capacity: Int
    private let held = Atomic<Int>(0)

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Takes a slot if one is free.
    func tryAcquire() -> Bool {
        var current = held.load(ordering: .relaxed)
        while current < capacity {
            let (exchanged, original) = held.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Frees a slot taken by `tryAcquire()`.
    func release() {
        held.wrappingSubtract(1, ordering: .acquiringAndReleasing)
    }

    /// A lease that frees the slot once, when released or dropped.
    func lease() -> Lease {
        Lease { [self] in self.release() }
    }

    /// Slots held now.
    var inFlight: Int { held.load(ordering: .relaxed) }
}
