import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix

/// `decoy-load streams`: many keep-alive connections, each asking for one stream after another, with
/// the arrival time of every server-sent event.
struct Streams: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Concurrent streams: chunks per second and the gaps between a stream's events.")

    @OptionGroup var target: Target

    @Option(help: "Connections, each with one stream at a time.")
    var connections = 100

    @Option(help: "Seconds over which the connections send their first request, spread evenly.")
    var ramp = 1.0

    @Option(help: "Seconds after the ramp during which connections start new streams; each then finishes its last one.")
    var duration = 5.0

    @Option(help: "Event-loop threads.")
    var threads = 1

    func validate() throws {
        guard (1...50_000).contains(connections) else { throw ValidationError("--connections must be 1...50000") }
        guard ramp >= 0, duration > 0, ramp + duration <= 3600 else {
            throw ValidationError("--ramp ≥ 0 and --duration > 0, together at most an hour")
        }
        guard (1...64).contains(threads) else { throw ValidationError("--threads must be 1...64") }
    }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let request = target.request(stream: true)
        let start = NIODeadline.now() + .milliseconds(100)
        let rampNanos = Int64(ramp * 1e9)
        let stopAt = start + .nanoseconds(rampNanos + Int64(duration * 1e9))
        // A stream that never ends (a stalled server) is cut this long after the stop.
        let hardStop = stopAt + .seconds(30)

        var results: [EventLoopFuture<StreamLog>] = []
        for index in 0..<connections {
            let loop = group.next()
            let done = loop.makePromise(of: StreamLog.self)
            let firstRequest = start + .nanoseconds(rampNanos * Int64(index) / Int64(connections))
            ClientBootstrap(group: loop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            StreamConnection(
                                request: request, firstRequest: firstRequest, stopAt: stopAt, hardStop: hardStop, done: done))
                    }
                }
                .connect(to: request.address)
                .whenFailure { done.fail($0) }
            results.append(done.futureResult)
        }

        var logs: [StreamLog] = []
        var refused = 0
        for result in results {
            do { logs.append(try await result.get()) } catch { refused += 1 }
        }
        try await group.shutdownGracefully()

        let figures = StreamFigures(logs, connections: connections, refused: refused)
        figures.print()
        try writeJSON(figures, to: target.json)
    }
}

/// What one connection saw: the time of every event, and the gaps between events of the same stream.
struct StreamLog: Sendable {
    var eventNanos: [UInt64] = []
    var gapNanos: [UInt64] = []
    var responses = 0
    var notOK = 0
    var errors = 0
}

/// Asks for a stream, stamps each event as it arrives, and asks again until `stopAt`.
final class StreamConnection: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let request: Request
    private let firstRequest: NIODeadline
    private let stopAt: NIODeadline
    private let hardStop: NIODeadline
    private let done: EventLoopPromise<StreamLog>
    private var log = StreamLog()
    private var events = EventCounter()
    private var lastEvent: UInt64?
    private var timers: [Scheduled<Void>] = []

    init(
        request: Request, firstRequest: NIODeadline, stopAt: NIODeadline, hardStop: NIODeadline,
        done: EventLoopPromise<StreamLog>
    ) {
        self.request = request
        self.firstRequest = firstRequest
        self.stopAt = stopAt
        self.hardStop = hardStop
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        let loop = context.eventLoop.assumeIsolated()
        timers = [
            loop.scheduleTask(deadline: firstRequest) { self.send(self.request, on: context) },
            loop.scheduleTask(deadline: hardStop) { context.close(promise: nil) },
        ]
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            if head.status != .ok { log.notOK += 1 }
        case .body(let buffer):
            let arrived = now()
            for _ in 0..<events.count(in: buffer) {
                if let lastEvent { log.gapNanos.append(arrived - lastEvent) }
                log.eventNanos.append(arrived)
                lastEvent = arrived
            }
        case .end:
            log.responses += 1
            lastEvent = nil
            if NIODeadline.now() < stopAt {
                send(request, on: context)
            } else {
                context.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        timers.forEach { $0.cancel() }
        done.succeed(log)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        log.errors += 1
        context.close(promise: nil)
    }
}

/// Counts server-sent events in a byte stream: an event is one or more lines ended by a blank line.
struct EventCounter {
    private var lineIsEmpty = true
    private var eventHasLines = false

    mutating func count(in buffer: ByteBuffer) -> Int {
        buffer.withUnsafeReadableBytes { bytes in
            var ended = 0
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\n"):
                    if !lineIsEmpty {
                        lineIsEmpty = true
                    } else if eventHasLines {
                        ended += 1
                        eventHasLines = false
                    }
                case UInt8(ascii: "\r"):
                    break
                default:
                    lineIsEmpty = false
                    eventHasLines = true
                }
            }
            return ended
        }
    }
}

/// The figures of a streams run. Chunks per second are counted over the window in which every
/// connection was streaming (from the last connection's first event to the first connection's last
/// one), so neither the ramp nor the tail dilutes them.
struct StreamFigures: Encodable {
    let connections: Int
    let refused: Int
    let responses: Int
    let notOK: Int
    let errors: Int
    let events: Int
    let eventsPerResponse: Double
    let windowSeconds: Double
    let windowEvents: Int
    let chunksPerSecond: Double
    let gaps: Int
    let gapP50Ms: Double
    let gapP99Ms: Double
    let gapMaxMs: Double

    init(_ logs: [StreamLog], connections: Int, refused: Int) {
        self.connections = connections
        self.refused = refused
        responses = logs.reduce(0) { $0 + $1.responses }
        notOK = logs.reduce(0) { $0 + $1.notOK }
        errors = logs.reduce(0) { $0 + $1.errors }
        events = logs.reduce(0) { $0 + $1.eventNanos.count }
        eventsPerResponse = responses == 0 ? 0 : Double(events) / Double(responses)

        let streaming = logs.filter { !$0.eventNanos.isEmpty }
        let from = streaming.map { $0.eventNanos.first! }.max() ?? 0
        let to = streaming.map { $0.eventNanos.last! }.min() ?? 0
        if streaming.count == logs.count, from < to {
            windowSeconds = Double(to - from) / 1e9
            windowEvents = streaming.reduce(0) { sum, log in sum + log.eventNanos.count { (from...to).contains($0) } }
            chunksPerSecond = Double(windowEvents) / windowSeconds
        } else {
            windowSeconds = 0
            windowEvents = 0
            chunksPerSecond = 0
        }

        let sorted = logs.flatMap(\.gapNanos).sorted()
        gaps = sorted.count
        gapP50Ms = ms(quantile(sorted, 0.5))
        gapP99Ms = ms(quantile(sorted, 0.99))
        gapMaxMs = ms(sorted.last ?? 0)
    }

    func print() {
        Swift.print(
            """
            streams: \(connections) connections (\(refused) refused), \(responses) streams (\(notOK) not 200, \(errors) errors), \
            \(events) events, \(fixed(eventsPerResponse)) per stream
            chunks/s: \(fixed(chunksPerSecond, 0)) over \(fixed(windowSeconds, 2)) s with every connection streaming
            gap between events: p50 \(fixed(gapP50Ms, 2)) ms, p99 \(fixed(gapP99Ms, 2)) ms, max \(fixed(gapMaxMs, 2)) ms (\(gaps) gaps)
            """)
    }
}
