import Atomics

/// A fixed number of 64-bit counters in one allocation, each read and updated atomically.
///
/// `@unchecked Sendable`: the storage is allocated once in `init`, freed once in `deinit`, and every
/// access in between goes through `UnsafeAtomic`, so concurrent use from any thread is a data-race-free
/// sequence of atomic operations.
final class AtomicCounters: @unchecked Sendable {
    private let storage: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>
    let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    @inline(__always)
    func add(_ index: Int, _ amount: UInt64 = 1) {
        UnsafeAtomic<UInt64>(at: storage + index).wrappingIncrement(by: amount, ordering: .relaxed)
    }

    @inline(__always)
    func load(_ index: Int) -> UInt64 {
        UnsafeAtomic<UInt64>(at: storage + index).load(ordering: .relaxed)
    }

    @inline(__always)
    func store(_ index: Int, _ value: UInt64) {
        UnsafeAtomic<UInt64>(at: storage + index).store(value, ordering: .relaxed)
    }

    /// Sets `index` from `expected` to `desired`; true when this caller did it.
    @inline(__always)
    func exchange(_ index: Int, expected: UInt64, desired: UInt64) -> Bool {
        UnsafeAtomic<UInt64>(at: storage + index)
            .compareExchange(expected: expected, desired: desired, ordering: .relaxed).exchanged
    }

    /// Zeroes every counter.
    func reset() {
        for index in 0..<count { store(index, 0) }
    }
}
