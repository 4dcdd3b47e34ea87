import DecoyEngine
import DecoyProfile
import Logging
import NIOCore
import Synchronization

/// What every connection shares: the router, the profile in force with its engine and ledgers, the
/// admin settings and the limits.
final class ServerContext: Sendable {
    /// One loaded profile: its engine and the ledger of each of its routes. A class: every request reads the one in force, and a reference costs one retain where a struct
    /// of four references costs four.
    final class Generation: Sendable {
        let engine: Engine
        let ledgers: [RouteLedger]
        let version: Int
        /// The YAML it was read from, when known, for `GET /_decoy/profile`.
        let sourceText: String?

        init(engine: Engine, ledgers: [RouteLedger], version: Int, sourceText: String?) {
            self.engine = engine
            self.ledgers = ledgers
            self.version = version
            self.sourceText = sourceText
        }
    }

    let router = Router()
    let maxBodyBytes: Int
    let maxHeaderBytes: Int
    let logger: Logger
    let ledger: Ledger
    let admin: AdminSettings
    /// Each limit is divided by this: N replicas behind a balancer enforce the profile between them.
    let replicas: Int
    /// Where loads, reloads and reports run: never on a serving loop.
    let blocking: BlockingWork
    private let current: Mutex<Generation>
    private let version = Atomic<Int>(0)
    /// Serialises loads so two reloads cannot interleave their bucket hand-over.
    private let loading = Mutex<Void>(())

    init(
        profile: Profile, sourceText: String? = nil, maxBodyBytes: Int, maxHeaderBytes: Int = 64 << 10,
        admin: AdminSettings = AdminSettings(), replicas: Int = 1, blocking: BlockingWork = .inline, logger: Logger
    ) {
        self.replicas = max(1, replicas)
        self.blocking = blocking
        let now = NIODeadline.now().uptimeNanoseconds
        let ledger = Ledger(nowNanos: now)
        let engine = Engine(profile: profile, replicas: max(1, replicas))
        self.ledger = ledger
        self.current = Mutex(Generation(engine: engine, ledgers: ledger.ledgers(for: engine), version: 0, sourceText: sourceText))
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.admin = admin
        self.logger = logger
    }

    /// The generation in force. Connections keep the one they read until `currentVersion` moves, so
    /// the lock is taken once per reload per connection, not per request.
    var generation: Generation { current.withLock { $0 } }

    /// Bumped by every load; one relaxed atomic read per request.
    var currentVersion: Int { version.load(ordering: .acquiring) }

    /// Loads a new profile; requests in flight finish under the old one, and routes that keep their name
    /// and limit keep their buckets.
    func load(_ profile: Profile, sourceText: String?) {
        loading.withLock { _ in
            let old = generation
            let engine = Engine(profile: profile, replicas: replicas, previous: old.engine)
            let next = Generation(
                engine: engine, ledgers: ledger.ledgers(for: engine), version: old.version + 1, sourceText: sourceText)
            current.withLock { $0 = next }
            version.store(next.version, ordering: .releasing)
        }
    }

    /// Reads the profile file once and loads what was read, keeping that text as the one shown; a
    /// profile with errors is refused and the one in force stays. Reads a file: call it off the loops.
    func loadFile(_ path: String) throws(ProfileErrors) -> Profile {
        let (profile, text) = try ProfileLoader.read(contentsOf: path)
        load(profile, sourceText: text)
        return profile
    }

    /// Refills every bucket (a new engine of the same profile) and zeroes the ledger. Concurrency gates
    /// carry over: the requests they admitted are still running.
    func reset() {
        loading.withLock { _ in
            let old = generation
            let engine = Engine(profile: old.engine.profile, replicas: replicas, previous: old.engine, refillBuckets: true)
            ledger.reset(nowNanos: NIODeadline.now().uptimeNanoseconds, keeping: engine.routeNames)
            let next = Generation(
                engine: engine, ledgers: ledger.ledgers(for: engine), version: old.version + 1, sourceText: old.sourceText)
            current.withLock { $0 = next }
            version.store(next.version, ordering: .releasing)
        }
    }
}

/// Who may use `/_decoy/*` and `/metrics`.
struct AdminSettings: Sendable {
    /// When set, the admin API answers any address that presents it as a bearer token, and nobody else;
    /// when not, it answers loopback clients only.
    var token: String?
    /// The profile file SIGHUP and `--watch` reload, if the server was started from one.
    var profilePath: String?

    init(token: String? = nil, profilePath: String? = nil) {
        self.token = token
        self.profilePath = profilePath
    }
}
