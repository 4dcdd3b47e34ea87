import ArgumentParser
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// `decoy-load pace`: an open-model load. Requests start at a constant rate whatever the answers take,
/// each on an idle keep-alive connection or a new one, and each is timed from its write to its
/// response head.
struct Pace: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Requests at a constant rate: statuses, and the latency from request write to response head.")

    @OptionGroup var target: Target

    @Option(help: "Requests started per second.")
    var rate = 100.0

    @Option(help: "Seconds of load: rate × duration requests are started.")
    var duration = 5.0

    @Option(help: "Connections opened before the first request.")
    var warm = 16

    @Option(help: "Most connections open at once; a request finding none free and none left to open is skipped.")
    var maxConnections = 1000

    @Option(help: "Seconds to wait for the last answers before closing what is still open.")
    var grace = 30.0

    @Option(help: "Also write every latency, in seconds, one a line, to this file.")
    var latencies: String?

    func validate() throws {
        guard rate > 0, rate <= 100_000 else { throw ValidationError("--rate must be in (0, 100000]") }
        guard duration > 0, duration <= 3600, grace >= 0, grace <= 600 else {
            throw ValidationError("--duration must be in (0, 3600] and --grace in [0, 600]")
        }
        guard (1...50_000).contains(maxConnections), (0...maxConnections).contains(warm) else {
            throw ValidationError("--max-connections must be 1...50000 and --warm at most that")
        }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let settings = Pacer.Settings(
            request: target.request(stream: false), requests: Int((rate * duration).rounded()),
            intervalNanos: Int64((1e9 / rate).rounded()), warm: warm, maxConnections: maxConnections,
            grace: .nanoseconds(Int64(grace * 1e9)))
        let log = try await loop.flatSubmit { Pacer(settings, on: loop).run() }.get()
        try await group.shutdownGracefully()

        let figures = PaceFigures(log, rate: rate)
        figures.print()
        try writeJSON(figures, to: target.json)
        if let latencies {
            let lines = log.latencyNanos.map { String(Double($0) / 1e9) + "\n" }.joined()
            try lines.write(toFile: latencies, atomically: false, encoding: .utf8)
        }
    }
}

/// What a pace run saw.
struct PaceLog: Sendable {
    var started = 0
    var skipped = 0
    var failed = 0
    var opened = 0
    var statuses: [Int: Int] = [:]
    var latencyNanos: [UInt64] = []
    var firstWrite: UInt64 = 0
    var lastWrite: UInt64 = 0
}

/// Starts the requests on schedule and keeps the pool of connections; lives on one event loop.
final class Pacer {
    struct Settings: Sendable {
        let request: Request
        let requests: Int
        let intervalNanos: Int64
        let warm: Int
        let maxConnections: Int
        let grace: TimeAmount
    }

    private let settings: Settings
    private let loop: any EventLoop
    private let done: EventLoopPromise<PaceLog>
    private var log = PaceLog()
    private var open: [PaceConnection] = []
    private var idle: [PaceConnection] = []
    private var connecting = 0
    private var inFlight = 0
    private var ticking = true
    private var finished = false
    private var graceTimer: Scheduled<Void>?

    init(_ settings: Settings, on loop: any EventLoop) {
        self.settings = settings
        self.loop = loop
        done = loop.makePromise()
    }

    func run() -> EventLoopFuture<PaceLog> {
        let warming = (0..<settings.warm).map { _ in connect().map { _ in () }.nonisolated() }
        EventLoopFuture.andAllComplete(warming, on: loop).assumeIsolated().whenComplete { _ in
            self.tick(0, start: .now())
        }
        return done.futureResult
    }

    /// Starts request `index` and schedules the next one `interval` after it, counted from the start of
    /// the run (a late tick does not delay the ones after it).
    private func tick(_ index: Int, start: NIODeadline) {
        guard index < settings.requests else { return stopTicking() }
        log.started += 1
        if let connection = idle.popLast() {
            write(on: connection)
        } else if open.count + connecting < settings.maxConnections {
            inFlight += 1  // held for the request while its connection opens
            connect().whenComplete { result in
                self.inFlight -= 1
                if case .success(let connection) = result { self.write(on: connection) } else { self.finishIfDone() }
            }
        } else {
            log.skipped += 1
        }
        let next = start + .nanoseconds(settings.intervalNanos * Int64(index + 1))
        loop.assumeIsolated().scheduleTask(deadline: next) { self.tick(index + 1, start: start) }
    }

    private func write(on connection: PaceConnection) {
        inFlight += 1
        let written = connection.send()
        if log.firstWrite == 0 { log.firstWrite = written }
        log.lastWrite = written
    }

    /// Opens a connection and adds it to the pool (not to the idle ones: the caller has a use for it).
    private func connect() -> EventLoopFuture<PaceConnection>.Isolated {
        connecting += 1
        let request = settings.request
        let connected = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHTTPClientHandlers() }
            }
            .connect(to: request.address)
            .assumeIsolated()
            .flatMapThrowing { channel in
                let connection = PaceConnection(channel: channel, request: request, pacer: self)
                try channel.pipeline.syncOperations.addHandler(connection)
                return connection
            }
        connected.whenComplete { result in
            self.connecting -= 1
            switch result {
            case .success(let connection):
                self.log.opened += 1
                self.open.append(connection)
            case .failure:
                self.log.failed += 1
            }
        }
        return connected
    }

    // Called by the connections, on the loop.

    func answered(status: Int, latency: UInt64) {
        log.statuses[status, default: 0] += 1
        log.latencyNanos.append(latency)
    }

    func ready(_ connection: PaceConnection) {
        inFlight -= 1
        idle.append(connection)
        finishIfDone()
    }

    func closed(_ connection: PaceConnection, midRequest: Bool) {
        open.removeAll { $0 === connection }
        idle.removeAll { $0 === connection }
        if midRequest {
            inFlight -= 1
            log.failed += 1
        }
        finishIfDone()
    }

    private func stopTicking() {
        ticking = false
        graceTimer = loop.assumeIsolated().scheduleTask(in: settings.grace) { self.finish() }
        finishIfDone()
    }

    private func finishIfDone() {
        if !ticking, inFlight == 0 { finish() }
    }

    /// Closes every connection and hands over the log, once.
    private func finish() {
        guard !finished else { return }
        finished = true
        graceTimer?.cancel()
        let log = self.log
        let closing = open.map { $0.channel.close() }
        open.removeAll()
        idle.removeAll()
        EventLoopFuture.andAllComplete(closing, on: loop).assumeIsolated().whenComplete { _ in self.done.succeed(log) }
    }
}

/// One keep-alive connection of the pool: writes a request when told, reports its answer's head.
final class PaceConnection: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let channel: any Channel
    private let request: Request
    private let pacer: Pacer
    private var context: ChannelHandlerContext?
    private var written: UInt64?

    init(channel: any Channel, request: Request, pacer: Pacer) {
        self.channel = channel
        self.request = request
        self.pacer = pacer
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes the request; returns when.
    func send() -> UInt64 {
        let at = now()
        written = at
        if let context { send(request, on: context) }
        return at
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let written { pacer.answered(status: Int(head.status.code), latency: now() - written) }
        case .body:
            break
        case .end:
            written = nil
            pacer.ready(self)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pacer.closed(self, midRequest: written != nil)
        written = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The figures of a pace run.
struct PaceFigures: Encodable {
    let rate: Double
    let started: Int
    let answered: Int
    let skipped: Int
    let failed: Int
    let connections: Int
    let statuses: [String: Int]
    let elapsedSeconds: Double
    let latencyP50Ms: Double
    let latencyP90Ms: Double
    let latencyP99Ms: Double
    let latencyMaxMs: Double

    init(_ log: PaceLog, rate: Double) {
        self.rate = rate
        started = log.started
        answered = log.latencyNanos.count
        skipped = log.skipped
        failed = log.failed
        connections = log.opened
        statuses = Dictionary(uniqueKeysWithValues: log.statuses.map { (String($0.key), $0.value) })
        elapsedSeconds = Double(log.lastWrite &- log.firstWrite) / 1e9
        let sorted = log.latencyNanos.sorted()
        latencyP50Ms = ms(quantile(sorted, 0.5))
        latencyP90Ms = ms(quantile(sorted, 0.9))
        latencyP99Ms = ms(quantile(sorted, 0.99))
        latencyMaxMs = ms(sorted.last ?? 0)
    }

    func print() {
        let statusText = statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        Swift.print(
            """
            pace: \(started) requests at \(fixed(rate, 0))/s over \(fixed(elapsedSeconds, 3)) s (first to last write), \
            \(connections) connections; \(skipped) skipped, \(failed) failed
            statuses: \(statusText.isEmpty ? "none" : statusText)
            latency to the response head: p50 \(fixed(latencyP50Ms, 2)) ms, p90 \(fixed(latencyP90Ms, 2)) ms, \
            p99 \(fixed(latencyP99Ms, 2)) ms, max \(fixed(latencyMaxMs, 2)) ms (\(answered) answers)
            """)
    }
}
