import NIOCore
import NIOPosix

/// Where work that must not run on an event loop goes: reading a profile file, parsing YAML,
/// rebuilding an engine, rendering `/metrics` and the admin reports. A serving loop that did it itself
/// would hold every connection on that loop for as long as it takes.
///
/// The server's is its own `NIOThreadPool`, started and shut down with it. Tests on an
/// `EmbeddedChannel` use one that runs the work on the channel's loop or holds it until told.
struct BlockingWork: Sendable {
    /// Runs an item some time later; the item is told `false` when it will never run (the pool stopped).
    let submit: @Sendable (_ item: @escaping @Sendable (_ runs: Bool) -> Void) -> Void

    /// The threads of `pool`.
    static func pool(_ pool: NIOThreadPool) -> BlockingWork {
        BlockingWork { item in pool.submit { state in item(state == .active) } }
    }

    /// At once, on the caller's thread: for the fuzzer and for tests that drive a `ServerContext` by hand.
    static let inline = BlockingWork { item in item(true) }

    /// `work`'s result, delivered on `loop`; fails with `NIOThreadPoolError.ThreadPoolInactive` when it
    /// will never run.
    func run<Value: Sendable>(on loop: any EventLoop, _ work: @escaping @Sendable () -> Value) -> EventLoopFuture<Value> {
        let promise = loop.makePromise(of: Value.self)
        submit { runs in
            if runs {
                promise.succeed(work())
            } else {
                promise.fail(NIOThreadPoolError.ThreadPoolInactive())
            }
        }
        return promise.futureResult
    }
}
