import DecoyEngine
import Foundation
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

    let shared: ServerContext

    /// `remote` is the client's address as the server sees it; an `EmbeddedChannel` sends nothing anywhere.
    init(
        profile: Profile, maxBodyBytes: Int = 8 << 20, admin: AdminSettings = AdminSettings(),
        remote: String = "127.0.0.1", shared: ServerContext? = nil,
        configuration: DecoyServer.Configuration = DecoyServer.Configuration()
    ) throws {
        channel = EmbeddedChannel()
        let shared =
            shared
            ?? ServerContext(profile: profile, maxBodyBytes: maxBodyBytes, admin: admin, logger: Logger(label: "test"))
        self.shared = shared
        try DecoyServer.configureConnection(channel.pipeline.syncOperations, shared: shared, configuration: configuration)
        try channel.connect(to: SocketAddress(ipAddress: remote, port: 40000)).wait()
    }

    /// A GET, with optional headers.
    func get(_ path: String, headers: [String: String] = [:]) throws {
        var request = "GET \(path) HTTP/1.1\r\nHost: test\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try send(request + "\r\n")
    }

    /// A request with a body and any method.
    func send(_ method: String, _ path: String, _ body: String) throws {
        try send("\(method) \(path) HTTP/1.1\r\nHost: test\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
    }

    /// The body of the last response drained, parsed as a JSON object.
    static func jsonBody(_ response: String) throws -> [String: Any] {
        let body = response.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        return try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
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
        loop.run()  // answers are flushed at the end of the loop's pass (FlushBatch)
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
