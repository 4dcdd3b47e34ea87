import NIOCore
import NIOPosix

/// Flushes the answers an event loop writes in one pass over its ready connections together, once
/// the pass is done, rather than each as soon as it is written.
///
/// Writes to loopback wake the client's thread; a run of flushes back to back finds it awake after
/// the first, where flushes spread between reads wake it again and again (on a VM an expensive
/// inter-processor interrupt each). The answer waits only for the rest of the pass: microseconds.
///
/// One per event-loop thread (`current`), touched only by that thread: hence `@unchecked Sendable`.
final class FlushBatch: @unchecked Sendable {
    private let loop: any EventLoop
    /// To flush at the end of this pass.
    private var contexts: [ChannelHandlerContext] = []
    /// The list last flushed, kept to be the next pass's list: no allocation per pass.
    private var spare: [ChannelHandlerContext] = []

    private init(loop: any EventLoop) {
        self.loop = loop
    }

    private static let perThread = ThreadSpecificVariable<FlushBatch>()

    /// The batch of the loop running now. (A thread runs one loop, except in tests, where embedded
    /// loops come and go on one thread: a batch of another loop is replaced.)
    static func current(on loop: any EventLoop) -> FlushBatch {
        loop.preconditionInEventLoop()
        if let batch = perThread.currentValue, batch.loop === loop { return batch }
        let batch = FlushBatch(loop: loop)
        perThread.currentValue = batch
        return batch
    }

    /// Flushes `context`'s channel when the loop has handled what is ready now.
    func flushSoon(_ context: ChannelHandlerContext) {
        if contexts.isEmpty {
            loop.assumeIsolated().execute { self.flushAll() }
        }
        contexts.append(context)
    }

    private func flushAll() {
        swap(&contexts, &spare)
        for context in spare { context.flush() }
        spare.removeAll(keepingCapacity: true)
    }
}
