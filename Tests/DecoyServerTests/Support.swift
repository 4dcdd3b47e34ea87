import DecoyEngine
import DecoyProfile
import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1

@testable import DecoyServer

/// A connection driven by hand: the real pipeline on an `EmbeddedChannel`, with time advanced by the test.
struct Connection {
    let channel: EmbeddedChannel
    var loop: EmbeddedEventLoop { channel.embeddedEventLoop }

    init(profile: Profile, maxBodyBytes: Int = 8 << 20) throws {
        channel = EmbeddedChannel()
        let shared = ServerContext(engine: Engine(profile: profile), maxBodyBytes: maxBodyBytes, logger: Logger(label: "test"))
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
        try channel.pipeline.syncOperations.addHandler(ProviderHandler(shared: shared))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
    }

    /// Sends raw request bytes.
    func send(_ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
    }

    /// A POST with a JSON body.
    func post(_ path: String, _ body: String, headers: [String: String] = [:]) throws {
        var request = "POST \(path) HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try send(request + "\r\n" + body)
    }

    /// Everything written so far, as text.
    func drain() throws -> String {
        var out = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            out += String(buffer: buffer)
        }
        return out
    }

    func advance(ms: Int64) {
        loop.advanceTime(by: .milliseconds(ms))
    }
}

/// Profiles for tests, built in Swift so the server tests do not depend on the YAML reader.
enum TestProfiles {
    static func fixed(firstByte: Double = 0, perToken: Double = 0, tokens: Double = 5, errors: [ErrorRule] = [], limit: Limit? = nil)
        -> Profile
    {
        let behavior = Behavior(
            firstByte: .fixed(firstByte), perToken: .fixed(perToken), completionTokens: .fixed(tokens), content: .lorem)
        let route = Route(
            name: "chat", match: RouteMatch(endpoints: [.openaiChat, .azureChat]), behavior: behavior, limit: limit, errors: errors)
        return Profile(name: "test", seed: 1, defaults: behavior, routes: [route])
    }

    static let chatBody = #"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}]}"#
    static let streamBody =
        #"{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}"#
}

extension String {
    /// How many times `needle` occurs.
    func occurrences(of needle: String) -> Int {
        var count = 0
        var rest = self[...]
        while let range = rest.range(of: needle) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}
