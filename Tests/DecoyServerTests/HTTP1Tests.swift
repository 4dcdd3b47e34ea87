import DecoyProfile
import Foundation
import NIOCore
import Testing

@testable import DecoyServer

/// The HTTP/1.x codec: framing in both directions, what it refuses, and how it keeps the connection.
@Suite struct HTTP1Tests {
    static let body = TestProfiles.chatBody

    @Test func aChunkedBodyIsReadWhole() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        let bytes = Array(Self.body.utf8)
        let first = String(decoding: bytes[..<20], as: UTF8.self)
        let rest = String(decoding: bytes[20...], as: UTF8.self)
        let chunked =
            "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "\(String(20, radix: 16));ext=1\r\n\(first)\r\n\(String(bytes.count - 20, radix: 16))\r\n\(rest)\r\n0\r\nX-Trailer: y\r\n\r\n"
        // A byte at a time: every state of the parser waits for more.
        for byte in chunked.utf8 { try connection.channel.writeInbound(ByteBuffer(bytes: [byte])) }
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(out.contains(#""object":"chat.completion""#))
        #expect(connection.channel.isActive)
    }

    @Test func theAnswerIsOneBufferWithItsLength() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post("/v1/chat/completions", Self.body)
        connection.loop.run()
        let buffer = try #require(try connection.channel.readOutbound(as: ByteBuffer.self))
        #expect(try connection.channel.readOutbound(as: ByteBuffer.self) == nil)
        let text = String(buffer: buffer)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let length = try #require(parts[0].split(separator: "\r\n").first { $0.hasPrefix("content-length: ") })
        #expect(Int(length.dropFirst("content-length: ".count)) == parts[1].utf8.count)
    }

    /// The head writer: the status line, a reply's own fields minus framing ones in any case, and the
    /// length written digit by digit.
    @Test(arguments: [0, 7, 10, 680, 16_384, 1_000_000_007])
    func theHeadCarriesTheLengthAndDropsFramingFieldsInAnyCase(length: Int) {
        var buffer = ByteBuffer()
        let fields = [
            ("content-type", "application/json"), ("Content-Length", "1"), ("CONNECTION", "close"),
            ("transfer-Encoding", "chunked"), ("x-request-id", "r"),
        ]
        HTTP1Response.writeHead(status: 200, minorVersion: 1, fields: fields, framing: .length(length), keepAlive: true, into: &buffer)
        #expect(
            String(buffer: buffer)
                == "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: r\r\ncontent-length: \(length)\r\n\r\n")
        var refused = ByteBuffer()
        HTTP1Response.writeHead(status: 429, minorVersion: 0, fields: [], framing: .length(0), keepAlive: false, into: &refused)
        #expect(String(buffer: refused) == "HTTP/1.0 429 Too Many Requests\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        var odd = ByteBuffer()
        HTTP1Response.writeHead(status: 999, minorVersion: 1, fields: [], framing: .chunked, keepAlive: true, into: &odd)
        #expect(String(buffer: odd) == "HTTP/1.1 999 Unknown\r\ntransfer-encoding: chunked\r\n\r\n")
    }

    @Test func aStreamIsChunkedAndEndsWithTheLastChunk() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post("/v1/chat/completions", TestProfiles.streamBody)
        let out = try connection.drain()
        #expect(out.contains("transfer-encoding: chunked\r\n"))
        #expect(out.hasSuffix("data: [DONE]\n\n\r\n0\r\n\r\n"))
        #expect(connection.channel.isActive)
    }

    @Test func http10GetsKeepAliveOnlyWhenAskedAndStreamsUntilClose() throws {
        let asked = try Connection(profile: TestProfiles.fixed())
        try asked.send("GET /v1/models HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let kept = try asked.drain()
        #expect(kept.hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(kept.contains("connection: keep-alive\r\n"))
        #expect(asked.channel.isActive)

        let plain = try Connection(profile: TestProfiles.fixed())
        let body = TestProfiles.streamBody
        try plain.send("POST /v1/chat/completions HTTP/1.0\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let streamed = try plain.drain()
        #expect(streamed.hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(!streamed.contains("transfer-encoding"))
        #expect(streamed.hasSuffix("data: [DONE]\n\n"))
        #expect(!plain.channel.isActive)
    }

    @Test func connectionCloseIsHonoured() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.send("GET /v1/models HTTP/1.1\r\nConnection: close\r\n\r\nGET /v1/models HTTP/1.1\r\n\r\n")
        let out = try connection.drain()
        #expect(out.occurrences(of: "HTTP/1.1 200 OK") == 1)
        #expect(out.contains("connection: close\r\n"))
        #expect(!connection.channel.isActive)
    }

    @Test func expectContinueGetsAGoAheadOrAFinal413() throws {
        let connection = try Connection(profile: TestProfiles.fixed(), maxBodyBytes: 1000)
        let head = "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
        try connection.send(head + "Content-Length: \(Self.body.utf8.count)\r\n\r\n")
        #expect(try connection.drain() == "HTTP/1.1 100 Continue\r\n\r\n")
        try connection.send(Self.body)
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200 OK"))

        try connection.send(head + "Content-Length: 5000\r\n\r\n")
        let refused = try connection.drain()
        #expect(refused.hasPrefix("HTTP/1.1 413"))
        #expect(!refused.contains("100 Continue"))
        #expect(!connection.channel.isActive)
    }

    @Test(arguments: [
        "GARBAGE\r\n\r\n",
        "GET /v1/models HTTP/2.0\r\n\r\n",
        "GET /v1/models HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET /v1/models HTTP/1.1\r\nX-A: 1\r\n folded\r\n\r\n",
        "GET /v1/models HTTP/1.1\r\nNoColon\r\n\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n",
        "GET /v1/models HTTP/1.1\r\nX-A: a\u{01}b\r\n\r\n",
        "GET /v1/models HTTP/1.1\r\nX-A: a\rb\r\n\r\n",
    ])
    func whatIsNotHTTP11GetsA400AndTheConnectionCloses(request: String) throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.send(request)
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(request.debugDescription)")
        #expect(out.contains("Malformed HTTP request"))
        #expect(out.contains("connection: close\r\n"))
        #expect(!connection.channel.isActive)
    }

    @Test func aHeadOverTheLimitGetsTheProviders431() throws {
        let shared = ServerContext(profile: TestProfiles.fixed(), maxBodyBytes: 8 << 20, maxHeaderBytes: 1024, logger: .init(label: "t"))
        let connection = try Connection(profile: TestProfiles.fixed(), shared: shared)
        try connection.send("POST /v1/chat/completions HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 2000))
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 431"))
        #expect(out.contains(#""type":"invalid_request_error""#))
        #expect(!connection.channel.isActive)
    }

    @Test func emptyLinesBeforeARequestAndBareLFLineEndsAreAccepted() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.send("\r\n\r\nGET /v1/models HTTP/1.1\nHost: t\n\n")
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200 OK"))
    }

    /// HEAD on a GET route (RFC 9110 §9.3.2): GET's status and fields, its content-length included,
    /// and no body, so the request pipelined behind it is read where it starts.
    @Test func headOnAGetRouteGetsTheGetHeadWithoutTheBody() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.send("GET /v1/models HTTP/1.1\r\nHost: t\r\n\r\n")
        let get = try connection.drain()
        let getHead = try #require(get.components(separatedBy: "\r\n\r\n").first)
        let getLength = try #require(getHead.split(separator: "\r\n").first { $0.hasPrefix("content-length: ") })

        try connection.send("HEAD /v1/models HTTP/1.1\r\nHost: t\r\n\r\nGET /v1/models HTTP/1.1\r\nHost: t\r\n\r\n")
        let out = try connection.drain()
        let end = try #require(out.range(of: "\r\n\r\n"))
        let head = out[..<end.lowerBound]
        #expect(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(head.split(separator: "\r\n").contains(getLength))
        // No body: the next bytes are the pipelined GET's answer, whole.
        let rest = out[end.upperBound...]
        #expect(rest.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(rest.hasSuffix(try #require(get.components(separatedBy: "\r\n\r\n").last)))
        #expect(rest.utf8.count == get.utf8.count)
        #expect(connection.channel.isActive)
    }

    /// A route that has GET allows HEAD too, and says so in a 405's `allow`.
    @Test func aWrongMethodOnAGetRouteAllowsHEAD() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.send("POST /v1/models HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 405"))
        #expect(out.contains("allow: GET, HEAD\r\n"))
    }

    @Test func headerLookupIgnoresCase() throws {
        var fields = HTTP1Fields()
        fields.append(name: "x-tenant", value: "a")  // the parser lowercases names as it reads them
        #expect(fields.first("x-tenant") == "a")
        #expect(fields.first("X-TENANT") == "a")
        #expect(fields.first("x-other") == nil)
    }
}

/// A client that pipelines more than 64 KiB behind answers still being timed gets every one of them,
/// in order. (Reads pause meanwhile through `autoRead`, which an `EmbeddedChannel` does not model.)
@Suite struct PipelineBackpressureTests {
    @Test func everythingPipelinedBehindWaitingAnswersIsAnsweredInOrder() throws {
        let connection = try Connection(profile: TestProfiles.fixed(firstByte: 0.1))
        let body = TestProfiles.chatBody
        let chat = "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let models = "GET /v1/models HTTP/1.1\r\nHost: t\r\n\r\n"
        try connection.send(chat + String(repeating: models, count: 1_000) + chat + String(repeating: models, count: 1_000))
        var out = ""
        for _ in 0..<2_002 {
            connection.advance(ms: 100)
            out += try connection.drain()
        }
        #expect(out.occurrences(of: "HTTP/1.1 200 OK") == 2_002)
        let answers = out.components(separatedBy: "HTTP/1.1 200 OK").dropFirst()
        let chats = answers.enumerated().filter { $0.element.contains("chat.completion") }.map(\.offset)
        #expect(chats == [0, 1_001])
        #expect(connection.channel.isActive)
    }
}
