import Synchronization

/// An in-flight cap with an optional waiting queue, as vLLM's `max-num-seqs` has: a request beyond the
/// cap waits for a slot while the queue has room, and is refused when it is full.
///
/// Without a queue the gate is one atomic count taken by compare-exchange. With one, a request that
/// finds the gate full, and every release, take a lock on the waiter list, so a slot freed while someone
/// waits is handed straight to the first waiter and never seen free by a newcomer.
final class ConcurrencyGate: Sendable {
    /// Slots available; at least 1.
    let capacity: Int
    /// Requests that may wait for a slot; 0 refuses at once.
    let queueCapacity: Int
    private let held = Atomic<Int>(0)
    private let waiting = Atomic<Int>(0)
    private let waiters = Mutex<[Lease]>([])

    init(capacity: Int, queue: Int = 0) {
        self.capacity = max(1, capacity)
        self.queueCapacity = max(0, queue)
    }

    /// What `acquire` got.
    enum Acquired {
        /// A slot is held: release it with `release()` (or a `lease()`).
        case granted
        /// In the queue: the lease is granted later, or released to leave the queue.
        case queued(Lease)
        /// Cap reached and the queue full.
        case full
    }

    /// Takes a slot, or a place in the queue.
    func acquire() -> Acquired {
        if waiting.load(ordering: .acquiring) == 0, tryAcquire() { return .granted }
        guard queueCapacity > 0 else { return .full }
        return waiters.withLock { list in
            if tryAcquire() { return .granted }
            guard list.count < queueCapacity else { return .full }
            let lease = Lease(pending: { [self] in self.release() }, onCancel: { [self] lease in self.leave(lease) })
            list.append(lease)
            waiting.store(list.count, ordering: .releasing)
            return .queued(lease)
        }
    }

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

    /// Frees a slot: hands it to the first waiter if there is one.
    func release() {
        guard queueCapacity > 0 else {
            held.wrappingSubtract(1, ordering: .acquiringAndReleasing)
            return
        }
        let next: Lease? = waiters.withLock { list in
            guard !list.isEmpty else {
                held.wrappingSubtract(1, ordering: .acquiringAndReleasing)
                return nil
            }
            let first = list.removeFirst()
            waiting.store(list.count, ordering: .releasing)
            return first
        }
        next?.grant()
    }

    /// Takes a cancelled waiter out of the queue.
    private func leave(_ lease: Lease) {
        waiters.withLock { list in
            list.removeAll { $0 === lease }
            waiting.store(list.count, ordering: .releasing)
        }
    }

    /// A lease that frees the slot once, when released or dropped.
    func lease() -> Lease {
        Lease { [self] in self.release() }
    }

    /// Slots held now.
    var inFlight: Int { held.load(ordering: .relaxed) }

    /// Requests waiting now.
    var queued: Int { waiting.load(ordering: .relaxed) }
}
