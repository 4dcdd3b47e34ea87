import DecoyEngine
import DecoyProfile
import Logging
import Synchronization

/// What every connection shares: the router, the engine of the profile in force, and the limits.
final class ServerContext: Sendable {
    let router = Router()
    let maxBodyBytes: Int
    let logger: Logger
    private let current: Mutex<Engine>

    init(engine: Engine, maxBodyBytes: Int, logger: Logger) {
        self.current = Mutex(engine)
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
    }

    /// The engine of the profile in force; a request keeps the one it started with.
    var engine: Engine { current.withLock { $0 } }

    /// Swaps in a new profile's engine; requests in flight finish under the old one.
    func replace(_ engine: Engine) { current.withLock { $0 = engine } }
}
