import DecoyEngine
import DecoyProfile
import Logging
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The farm: a multithreaded HTTP/1.1 server answering as the providers of its profile.
///
/// It listens once made. As a `Service` in a `ServiceGroup`, its `run()` serves until the group shuts
/// down gracefully (or the task is cancelled), then drains as `shutdown()` does; without a group, call
/// `shutdown()` when done.
public final class DecoyServer: Service, Sendable {
    /// How to serve.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Event loops; one per core by default.
        public var threads: Int
        /// Larger request bodies get a 413 in the provider's error shape.
        public var maxBodyBytes: Int
        /// How long a graceful stop waits for requests in flight.
        public var drainTimeout: TimeAmount
        /// When set, the admin API answers only requests bearing it (from any address); when not, only loopback.
        public var adminToken: String?
        /// Larger request heads get a 431.
        public var maxHeaderBytes: Int
        /// Connections beyond this get a 503 and are closed.
        public var maxConnections: Int
        /// How long a client may take to send a whole request once it has started one.
        public var requestTimeout: TimeAmount
        /// How long an idle keep-alive connection is kept.
        public var idleTimeout: TimeAmount
        /// Replicas sharing the profile's limits: each enforces limit / replicas.
        public var replicas: Int = 1

        public init(
            host: String = "0.0.0.0", port: Int = 8090, threads: Int = System.coreCount,
            maxBodyBytes: Int = 8 << 20, drainTimeout: TimeAmount = .seconds(10), maxHeaderBytes: Int = 64 << 10,
            maxConnections: Int = 50_000, requestTimeout: TimeAmount = .seconds(30), idleTimeout: TimeAmount = .seconds(60)
        ) {
            self.host = host
            self.port = port
            self.threads = threads
            self.maxBodyBytes = maxBodyBytes
            self.drainTimeout = drainTimeout
            self.maxHeaderBytes = maxHeaderBytes
            self.maxConnections = maxConnections
            self.requestTimeout = requestTimeout
            self.idleTimeout = idleTimeout
        }

        /// The defaults, overridden by what the profile's `server:` section sets.
        public init(profile: Profile) {
            self.init(host: profile.listen.host, port: profile.listen.port)
            let server = profile.server
            if let v = server.threads { threads = v }
            if let v = server.maxBodyBytes { maxBodyBytes = v }
            if let v = server.maxHeaderBytes { maxHeaderBytes = v }
            if let v = server.maxConnections { maxConnections = v }
            if let v = server.requestTimeout { requestTimeout = .nanoseconds(Int64(v * 1e9)) }
            if let v = server.idleTimeout { idleTimeout = .nanoseconds(Int64(v * 1e9)) }
            if let v = server.drainTimeout { drainTimeout = .nanoseconds(Int64(v * 1e9)) }
        }
    }

    public let configuration: Configuration
    let shared: ServerContext
    let group: MultiThreadedEventLoopGroup
    /// Where profile loads and admin reports run (`shared.blocking`), off the serving loops.
    private let pool: NIOThreadPool
    /// The one drain: every call of `shutdown()` waits for it.
    private let stopping = Mutex<Task<Void, Never>?>(nil)
    /// Dropped before the loops stop: its deinit completes a promise on one of them.
    private let quiesce: Mutex<ServerQuiescingHelper?>
    private let channel: Channel
    let connections: ConnectionLimit

    /// Connections open now.
    public var openConnections: Int { connections.current }

    /// Binds and starts serving `profile`; returns once the socket listens.
    ///
    /// `profilePath` is the file `reloadProfileFile()` and `POST /_decoy/reload` read again;
    /// `sourceText` is the text `profile` was parsed from, which `GET /_decoy/profile` shows.
    public init(
        profile: Profile, profilePath: String? = nil, sourceText: String? = nil, configuration: Configuration,
        logger: Logger = Logger(label: "decoy")
    ) async throws {
        self.configuration = configuration
        // Two threads: a scrape or a stats request need not wait behind a long load.
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        self.pool = pool
        let shared = ServerContext(
            profile: profile, sourceText: sourceText,
            maxBodyBytes: configuration.maxBodyBytes, maxHeaderBytes: configuration.maxHeaderBytes,
            admin: AdminSettings(token: configuration.adminToken, profilePath: profilePath),
            replicas: configuration.replicas, blocking: .pool(pool), logger: logger)
        self.shared = shared
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.threads))
        self.group = group
        let limit = ConnectionLimit(maximum: configuration.maxConnections)
        self.connections = limit
        let channel: Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 4096)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.maxMessagesPerRead, value: 16)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        guard limit.tryAcquire() else {
                            try sync.addHandler(OverCapacityHandler())
                            return
                        }
                        limit.track(channel)
                        try Self.configureConnection(sync, shared: shared, configuration: configuration)
                    }
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            try? await group.shutdownGracefully()
            try? await pool.shutdownGracefully()
            throw error
        }
        // The quiescing helper is made once the socket is bound: made before, a failed bind (port in
        // use) would drop it with a pending promise and have it touch the group after its shutdown.
        let quiesce = ServerQuiescingHelper(group: group)
        self.quiesce = Mutex(quiesce)
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(
                    quiesce.makeServerChannelHandler(channel: channel), position: .first)
            }.get()
        } catch {
            try? await group.shutdownGracefully()
            try? await pool.shutdownGracefully()
            throw error
        }
        self.channel = channel
    }

    /// The handlers of a served connection, in front of the socket: the guard, then the handler that
    /// reads and answers requests.
    static func configureConnection(
        _ pipeline: ChannelPipeline.SynchronousOperations, shared: ServerContext, configuration: Configuration
    ) throws {
        let timeouts = ConnectionGuard(requestTimeout: configuration.requestTimeout, idleTimeout: configuration.idleTimeout)
        try pipeline.addHandler(timeouts)
        try pipeline.addHandler(ConnectionHandler(shared: shared, timeouts: timeouts))
    }

    /// The address actually bound (the port is real even when 0 was asked for).
    public var localAddress: SocketAddress? { channel.localAddress }

    /// The bound port.
    public var port: Int { channel.localAddress?.port ?? configuration.port }

    /// The profile in force.
    public var profile: Profile { shared.generation.engine.profile }

    /// Loads a new profile; requests in flight finish under the old one.
    public func replaceProfile(_ profile: Profile, sourceText: String? = nil) {
        shared.load(profile, sourceText: sourceText)
    }

    /// Reads the profile file again (SIGHUP, `--watch`), off the serving loops; a profile with errors
    /// is refused, the old one stays in force, and the errors are returned as FILE:LINE:COLUMN: message
    /// lines.
    public func reloadProfileFile() async -> [String] {
        guard let path = shared.admin.profilePath else { return ["no profile file to reload"] }
        let shared = shared
        let future = shared.blocking.run(on: group.next()) { () -> [String] in
            do throws(ProfileErrors) {
                let profile = try shared.loadFile(path)
                shared.logger.info("reloaded profile '\(profile.name)' from \(path)")
                return []
            } catch {
                let lines = error.errors.map(\.description)
                shared.logger.error("profile \(path) refused, the old one stays in force:\n\(lines.joined(separator: "\n"))")
                return lines
            }
        }
        do {
            return try await future.get()
        } catch {
            return ["the server is stopping"]
        }
    }

    /// Serves until the service group shuts down gracefully (SIGTERM, SIGINT) or the task is cancelled,
    /// then drains as `shutdown()` does.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops accepting, lets requests in flight finish (up to the drain timeout), then stops the loops
    /// and the thread pool. Calling it again waits for the same drain.
    public func shutdown() async {
        let drain = stopping.withLock { task in
            if let task { return task }
            let made = Task { await self.drain() }
            task = made
            return made
        }
        await drain.value
    }

    private func drain() async {
        // The quiescing helper keeps its books on the listening channel's loop: the promises and timers
        // here live there too, so nothing completes across loops.
        let loop = channel.eventLoop
        let allClosed = loop.makePromise(of: Void.self)
        quiesce.withLock { $0 }?.initiateShutdown(promise: allClosed)
        await Self.wait(for: allClosed.futureResult, atMost: configuration.drainTimeout, on: loop)
        try? await channel.close()
        try? await channel.closeFuture.get()
        await connections.closeAll()  // what the drain left open (stalls, slow streams)
        // A connection's close reaches the helper a moment after `close()` returns, by a task on `loop`:
        // the loops must not stop before it has (NIO would report a task scheduled on a stopped loop).
        await Self.wait(for: allClosed.futureResult, atMost: .seconds(1), on: loop)
        quiesce.withLock { $0 = nil }
        // Before the loops: work still running completes its promise on one of them.
        try? await pool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }

    /// Until `future` completes or `timeout` passes, whichever is first.
    private static func wait(for future: EventLoopFuture<Void>, atMost timeout: TimeAmount, on loop: any EventLoop) async {
        let done = loop.makePromise(of: Void.self)
        future.cascade(to: done)
        let timer = loop.scheduleTask(in: timeout) { done.succeed(()) }
        try? await done.futureResult.get()
        timer.cancel()
    }

    /// Waits until the server channel closes.
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }

    /// Method, path and endpoint id of every route served, for the start-up listing.
    public var servedPaths: [(method: String, path: String, endpoint: String)] {
        shared.router.listing.map { ($0.method, $0.path, $0.endpoint.rawValue) }
    }
}
