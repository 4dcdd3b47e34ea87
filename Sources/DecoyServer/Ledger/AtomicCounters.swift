import Synchronization

/// A fixed number of 64-bit counters in one allocation, each read and updated atomically.
///
/// `Atomic` is not copyable, so the counters cannot live in an `Array`; they live in one buffer allocated
/// here, where an atomic must stay: at an address that never moves while in use.
///
/// `@unchecked Sendable`: the buffer is allocated and every counter initialised once in `init`, and
/// deinitialised and freed once in `deinit`; every access in between is an operation on a
/// `Synchronization.Atomic` in place, so concurrent use from any thread is a data-race-free sequence of
/// atomic operations.
final class AtomicCounters: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<Atomic<UInt64>>
    let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        for index in 0..<count { (storage + index).initialize(to: Atomic(0)) }
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    @inline(__always)
    func add(_ index: Int, _ amount: UInt64 = 1) {
        storage[index].wrappingAdd(amount, ordering: .relaxed)
    }

    @inline(__always)
    func load(_ index: Int) -> UInt64 {
        storage[index].load(ordering: .relaxed)
    }

    @inline(__always)
    func store(_ index: Int, _ value: UInt64) {
        storage[index].store(value, ordering: .relaxed)
    }

    /// Sets `index` from `expected` to `desired`; true when this caller did it.
    @inline(__always)
    func exchange(_ index: Int, expected: UInt64, desired: UInt64) -> Bool {
        storage[index].compareExchange(expected: expected, desired: desired, ordering: .relaxed).exchanged
    }

    /// Zeroes every counter.
    func reset() {
        for index in 0..<count { store(index, 0) }
    }
}
