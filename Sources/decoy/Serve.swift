import ArgumentParser
import DecoyProfile
import DecoyServer
import Dispatch
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `decoy serve`: runs the farm until Ctrl-C or SIGTERM.
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

    @Option(name: .long, help: "Largest request body accepted, in bytes; larger ones get a 413.")
    var maxBodyBytes: Int = 8 << 20

    @Option(name: .long, help: "Seconds a graceful stop waits for requests in flight.")
    var drainSeconds: Int = 10

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be 0-65535") }
        if maxBodyBytes < 1 { throw ValidationError("--max-body-bytes must be positive") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let loaded = try ProfileFile.load(profile)
        var configuration = DecoyServer.Configuration(
            host: host ?? loaded.listen.host, port: port ?? loaded.listen.port, maxBodyBytes: maxBodyBytes,
            drainTimeout: .seconds(Int64(drainSeconds)))
        if let threads { configuration.threads = threads }

        let stop = SignalWaiter(signals: [SIGINT, SIGTERM])
        let server = try await DecoyServer(profile: loaded, configuration: configuration)
        Console.line(
            "decoy: serving profile '\(loaded.name)' (\(loaded.source)) on http://\(configuration.host):\(server.port) "
                + "with \(configuration.threads) threads")
        for (method, path, endpoint) in server.servedPaths {
            Console.line("  \(method.padding(4)) \(path.padding(52)) \(endpoint)")
        }
        for route in loaded.routes {
            Console.line("  route \(route.name)")
        }
        let signal = await stop.wait()
        Console.line("decoy: \(signal == SIGINT ? "interrupted" : "terminated"), finishing requests in flight")
        await server.shutdown()
        Console.line("decoy: stopped")
    }
}

/// Waits for the first of some signals, which no longer kill the process.
final class SignalWaiter {
    private let sources: [any DispatchSourceSignal]
    private let stream: AsyncStream<Int32>

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    func wait() async -> Int32 {
        for await number in stream { return number }
        return SIGTERM
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
