import DecoyProfile
import Foundation
import Logging
import NIOCore
import NIOEmbedded
import NIOPosix
import ServiceLifecycle
import Synchronization
import Testing

@testable import DecoyServer

/// Loads, reloads and reports run off the event loop: the connection waits for its answer (and keeps
/// what was pipelined behind it waiting), the loop does not.
@Suite struct AdminWorkTests {
    @Test func aPendingLoadHoldsWhatWasPipelinedBehindIt() throws {
        let held = HeldWork()
        let connection = try Connection(profile: AdminTests.limited, shared: held.context(AdminTests.limited))
        let yaml = "name: put\nroutes:\n  - name: chat\n    match: openai.chat\n"
        try connection.send(
            "PUT /_decoy/profile HTTP/1.1\r\nHost: test\r\nContent-Length: \(yaml.utf8.count)\r\n\r\n\(yaml)"
                + "GET /_decoy/stats HTTP/1.1\r\nHost: test\r\n\r\n")
        #expect(try connection.drain() == "")
        #expect(held.count == 1)  // the load, and not the stats behind it

        held.release()  // the load: its answer is written, then the stats request is read and sent off
        let loaded = try connection.drain()
        #expect(loaded.hasPrefix("HTTP/1.1 200"))
        #expect(loaded.contains(#""loaded" : "put""#))
        #expect(loaded.occurrences(of: "HTTP/1.1 ") == 1)
        #expect(held.count == 1)

        held.release()
        let stats = try connection.drain()
        #expect(stats.hasPrefix("HTTP/1.1 200"))
        #expect(stats.contains(#""profile" : "put""#))
    }

    @Test func theLoopAnswersAnotherConnectionWhileALoadWaits() throws {
        let held = HeldWork()
        let shared = held.context(AdminTests.limited)
        let loop = EmbeddedEventLoop()
        let loading = try Self.channel(on: loop, shared)
        let serving = try Self.channel(on: loop, shared)
        let yaml = "name: put\nroutes:\n  - name: chat\n    match: openai.chat\n"
        try loading.writeInbound(
            ByteBuffer(string: "PUT /_decoy/profile HTTP/1.1\r\nHost: x\r\nContent-Length: \(yaml.utf8.count)\r\n\r\n\(yaml)"))
        let body = TestProfiles.chatBody
        try serving.writeInbound(
            ByteBuffer(
                string: "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"))
        loop.run()
        #expect(try Self.written(serving).hasPrefix("HTTP/1.1 200"))
        #expect(try Self.written(loading) == "")

        held.release()
        loop.run()
        #expect(try Self.written(loading).hasPrefix("HTTP/1.1 200"))
        #expect(shared.generation.engine.profile.name == "put")
    }

    @Test func anAnswerMadeAfterTheConnectionClosedIsNotWritten() throws {
        let held = HeldWork()
        let connection = try Connection(profile: AdminTests.limited, shared: held.context(AdminTests.limited))
        try connection.get("/metrics")
        try connection.channel.close().wait()
        held.release()
        #expect(try connection.drain() == "")
    }

    @Test func aStoppedPoolAnswers503() throws {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        try pool.syncShutdownGracefully()
        let shared = ServerContext(
            profile: AdminTests.limited, maxBodyBytes: 1 << 20, blocking: .pool(pool), logger: Logger(label: "test"))
        let connection = try Connection(profile: AdminTests.limited, shared: shared)
        try connection.get("/_decoy/stats")
        #expect(try connection.drain().hasPrefix("HTTP/1.1 503"))
    }

    @Test func aLargeProfileByPutIsLoadedWhole() throws {
        let connection = try Connection(profile: AdminTests.limited)
        let yaml = Self.largeProfile(routes: 1200)
        #expect(yaml.utf8.count > 100_000)  // several socket reads on a real connection
        try connection.send("PUT", "/_decoy/profile", yaml)
        let answer = try Connection.jsonBody(try connection.drain())
        #expect((answer["routes"] as? [String])?.count == 1200)
        #expect(connection.shared.generation.engine.profile.routes.count == 1200)
        try connection.get("/_decoy/profile")
        #expect(try connection.drain().hasSuffix("\r\n\r\n" + yaml))
    }

    // MARK: - A real server

    @Test func theServersAdminWorkRunsOffItsEventLoops() async throws {
        let server = try await Self.start()
        let loop = server.group.next()
        let onALoop = try await server.shared.blocking.run(on: loop) { MultiThreadedEventLoopGroup.currentEventLoop != nil }
            .get()
        #expect(!onALoop)
        await server.shutdown()
    }

    @Test func aLargeProfileByPutIsAnsweredByARealServer() async throws {
        let server = try await Self.start()
        let yaml = Self.largeProfile(routes: 1200)
        let put = try LoopbackClient.exchange(
            port: server.port,
            "PUT /_decoy/profile HTTP/1.1\r\nHost: x\r\nContent-Length: \(yaml.utf8.count)\r\n\r\n\(yaml)")
        #expect(put.status == 200)
        let answer = try JSONSerialization.jsonObject(with: Data(put.body.utf8)) as? [String: Any]
        #expect((answer?["routes"] as? [String])?.count == 1200)
        let shown = try LoopbackClient.exchange(port: server.port, "GET /_decoy/profile HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(shown.body == yaml)
        await server.shutdown()
    }

    @Test func runServesUntilItsServiceGroupShutsDownGracefully() async throws {
        let server = try await Self.start()
        let group = ServiceGroup(services: [server], logger: Logger(label: "test"))
        async let running: Void = group.run()
        let models = try LoopbackClient.exchange(port: server.port, "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(models.status == 200)
        await group.triggerGracefulShutdown()
        try await running
        #expect(throws: (any Error).self) {
            try LoopbackClient.exchange(port: server.port, "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        }
    }

    @Test func shutdownTwiceDrainsOnce() async throws {
        let server = try await Self.start()
        async let first: Void = server.shutdown()
        async let second: Void = server.shutdown()
        _ = await (first, second)
        #expect(throws: (any Error).self) {
            try LoopbackClient.exchange(port: server.port, "GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        }
    }

    // MARK: - Helpers

    static func start() async throws -> DecoyServer {
        var configuration = DecoyServer.Configuration(host: "127.0.0.1", port: 0, threads: 1)
        configuration.drainTimeout = .seconds(2)
        return try await DecoyServer(profile: AdminTests.limited, configuration: configuration)
    }

    /// A profile of `routes` routes, one per model: about 100 bytes of YAML each.
    static func largeProfile(routes: Int) -> String {
        var yaml = "name: large\ndefaults: { latency: { first_byte: 0ms } }\nroutes:\n"
        for index in 0..<routes {
            yaml += "  - name: route-\(index)\n    match: { endpoint: openai.chat, model: model-\(index) }\n"
            yaml += "    limit: { rpm: \(60 + index), burst: 3 }\n"
        }
        return yaml
    }

    static func channel(on loop: EmbeddedEventLoop, _ shared: ServerContext) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try DecoyServer.configureConnection(
            channel.pipeline.syncOperations, shared: shared, configuration: DecoyServer.Configuration())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        return channel
    }

    static func written(_ channel: EmbeddedChannel) throws -> String {
        var out = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { out += String(buffer: buffer) }
        return out
    }
}

/// Blocking work that waits until the test lets it run, on the test's thread.
final class HeldWork: Sendable {
    private let items = Mutex<[@Sendable (Bool) -> Void]>([])

    var blocking: BlockingWork {
        BlockingWork { item in self.items.withLock { $0.append(item) } }
    }

    /// Items waiting.
    var count: Int { items.withLock { $0.count } }

    /// Runs the items waiting now (not those they lead to).
    func release() {
        let waiting = items.withLock { items in
            defer { items = [] }
            return items
        }
        for item in waiting { item(true) }
    }

    func context(_ profile: Profile) -> ServerContext {
        ServerContext(profile: profile, maxBodyBytes: 8 << 20, blocking: blocking, logger: Logger(label: "test"))
    }
}

/// One request over a real loopback socket, one answer read by its content-length.
enum LoopbackClient {
    struct Failure: Error { let what: String }

    static func exchange(port: Int, _ request: String) throws -> (status: Int, body: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(what: "socket") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Failure(what: "connect") }
        let bytes = Array(request.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(what: "send") }
            sent += n
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let end = received.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
                guard let length else { throw Failure(what: "no content-length") }
                if received.count - end.upperBound >= length {
                    let status = Int(head.split(separator: " ")[1]) ?? 0
                    return (status, String(decoding: received[end.upperBound..<(end.upperBound + length)], as: UTF8.self))
                }
            }
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(what: "closed or timed out") }
            received += chunk[..<n]
        }
    }
}
