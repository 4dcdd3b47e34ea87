import Synchronization

/// A flag that can be set once, from any thread.
final class AtomicFlag: Sendable {
    private let value = Atomic<Bool>(false)
    /// True for the one caller that set it.
    func setOnce() -> Bool {
        value.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }
}
