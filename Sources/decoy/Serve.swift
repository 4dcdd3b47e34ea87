import ArgumentParser
import DecoyProfile
import DecoyServer
import Logging
import NIOCore
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `decoy serve`: runs the farm until Ctrl-C or SIGTERM, as a service group of the server, the
/// profile reloader (SIGHUP, `--watch`) and the stop signals.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a profile (the embedded default when none is given).")

    @Option(name: .long, help: "The profile file (YAML). Default: the embedded profiles/default.yaml.")
    var profile: String?

    @Option(name: .long, help: "Address to listen on. Default: the profile's listen.host, else 0.0.0.0.")
    var host: String?

    @Option(name: .long, help: "Port to listen on. Default: the profile's listen.port, else 8090.")
    var port: Int?

    @Option(name: .long, help: "Event-loop threads. Default: one per core.")
    var threads: Int?

    @Option(name: .long, help: "Largest request body accepted, in bytes; larger ones get a 413. Default 8 MiB.")
    var maxBodyBytes: Int?

    @Option(name: .long, help: "Largest request head accepted, in bytes; larger ones get a 431. Default 64 KiB.")
    var maxHeaderBytes: Int?

    @Option(name: .long, help: "Most connections open at once; more get a 503 and are closed. Default 50000.")
    var maxConnections: Int?

    @Option(name: .long, help: "Seconds a client may take to send a whole request once it has started. Default 30.")
    var requestTimeout: Double?

    @Option(name: .long, help: "Seconds an idle keep-alive connection is kept. Default 60.")
    var idleTimeout: Double?

    @Option(name: .long, help: "Seconds a graceful stop waits for requests in flight. Default 10.")
    var drainSeconds: Double?

    @Option(name: .long, help: "Open the admin API (/_decoy/*, /metrics) to any address presenting this bearer token. Without it, only loopback clients may use it.")
    var adminToken: String?

    @Option(name: .long, help: "Replicas of this server behind one balancer: each enforces every limit divided by N.")
    var replicas: Int = 1

    @Flag(name: .long, help: "Reload the profile file when it changes (SIGHUP always reloads it).")
    var watch = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if replicas < 1 { throw ValidationError("--replicas must be at least 1") }
        if watch && profile == nil { throw ValidationError("--watch needs --profile FILE") }
        if let adminToken, adminToken.count < 8 { throw ValidationError("--admin-token must be at least 8 characters") }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0-65535") }
        for (flag, value) in [("--max-body-bytes", maxBodyBytes), ("--max-header-bytes", maxHeaderBytes), ("--max-connections", maxConnections)] {
            if let value, value < 1 { throw ValidationError("\(flag) must be positive") }
        }
        for (flag, value) in [("--request-timeout", requestTimeout), ("--idle-timeout", idleTimeout), ("--drain-seconds", drainSeconds)] {
            if let value, !(value > 0) { throw ValidationError("\(flag) must be more than 0") }
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let (loaded, sourceText) = try ProfileFile.read(profile)
        var configuration = DecoyServer.Configuration(profile: loaded)
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let threads { configuration.threads = threads }
        if let maxBodyBytes { configuration.maxBodyBytes = maxBodyBytes }
        if let maxHeaderBytes { configuration.maxHeaderBytes = maxHeaderBytes }
        if let maxConnections { configuration.maxConnections = maxConnections }
        if let requestTimeout { configuration.requestTimeout = .nanoseconds(Int64(requestTimeout * 1e9)) }
        if let idleTimeout { configuration.idleTimeout = .nanoseconds(Int64(idleTimeout * 1e9)) }
        if let drainSeconds { configuration.drainTimeout = .nanoseconds(Int64(drainSeconds * 1e9)) }
        configuration.adminToken = adminToken
        configuration.replicas = replicas
        let files = FileLimit.raise(toFit: configuration.maxConnections)
        // Descriptors kept for everything but connections (the listener, logs, profile reads): 1,024,
        // or a quarter of a small limit.
        let reserve = min(1024, files / 4)
        if configuration.maxConnections + reserve > files {
            if maxConnections != nil || loaded.server.maxConnections != nil {
                ProfileFile.printError(
                    "decoy: warning: the open-file limit (\(files)) is below max_connections + \(reserve); "
                        + "raise it with ulimit -n to serve that many connections")
            } else {
                configuration.maxConnections = max(64, files - reserve)
                ProfileFile.printError(
                    "decoy: note: serving at most \(configuration.maxConnections) connections (the open-file limit is "
                        + "\(files)); more get a 503; raise the limit with ulimit -n for more")
            }
        }

        // Trapped before the socket listens: from then on these signals never kill the process.
        let stop = await StopSignals()
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let server: DecoyServer
        do {
            server = try await DecoyServer(
                profile: loaded, profilePath: profile, sourceText: sourceText, configuration: configuration)
        } catch let error as IOError {
            ProfileFile.printError(
                "decoy: cannot listen on \(configuration.host):\(configuration.port): \(Self.describe(error))")
            throw ExitCode(1)
        }
        Console.line(
            "decoy: serving profile '\(loaded.name)' (\(loaded.source)) on http://\(configuration.host):\(server.port) "
                + "with \(configuration.threads) threads")
        for (method, path, endpoint) in server.servedPaths {
            Console.line("  \(method.padding(4)) \(path.padding(52)) \(endpoint)")
        }
        for route in loaded.routes {
            Console.line("  route \(route.name)")
        }
        // Shut down in the reverse order: the signals, the reloader, then the server drains.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: server),
                    .init(service: ProfileReloader(server: server, path: profile, hangups: hangups, watch: watch)),
                    .init(service: stop, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                logger: Logger(label: "decoy")))
        try await group.run()
        withExtendedLifetime(stop) {}  // the traps stay until the process exits
        Console.line("decoy: stopped")
    }

    /// "Address already in use", not the syscall wrapper's text.
    static func describe(_ error: IOError) -> String {
        switch error.errnoCode {
        case EADDRINUSE: "Address already in use (is another server on that port?)"
        case EACCES: "Permission denied (ports below 1024 need privileges)"
        case EADDRNOTAVAIL: "Cannot assign requested address (no such local address)"
        default: "\(error)"
        }
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// A file's modification time and size, to notice edits without inotify.
enum FileWatch {
    static func stamp(_ path: String) -> [Int] {
        var info = stat()
        guard stat(path, &info) == 0 else { return [] }
        return [Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec), Int(info.st_size)]
    }
}

/// The open-file limit, raised towards the hard limit so `max_connections` can be reached.
enum FileLimit {
    /// Raises the soft limit towards `connections + 1024` (at most the hard limit); returns the limit now.
    static func raise(toFit connections: Int) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return Int.max }
        let wanted = rlim_t(connections + 1024)
        if limit.rlim_cur < wanted {
            limit.rlim_cur = min(wanted, limit.rlim_max)
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return Int(clamping: limit.rlim_cur)
    }
}
