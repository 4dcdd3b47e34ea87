import DecoyEngine
import DecoyProfile
import Foundation
import NIOCore
import Testing

@testable import DecoyProviders
@testable import DecoyServer

/// Amazon Bedrock through the real pipeline: percent-encoded model ids in the path, SigV4 access key ids
/// as the caller's key, the 403 without one, the quota's ThrottlingException and event-stream bodies.
@Suite struct BedrockServerTests {
    static let model = "anthropic.claude-3-5-sonnet-20240620-v1%3A0"
    static let converse = #"{"messages":[{"role":"user","content":[{"text":"hello"}]}]}"#
    static func sigV4(_ key: String) -> [String: String] {
        [
            "authorization":
                "AWS4-HMAC-SHA256 Credential=\(key)/20261202/us-east-1/bedrock/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(String(repeating: "0", count: 64))",
            "x-amz-date": "20261202T152000Z",
        ]
    }

    static func profile(limit: Limit? = nil, model: String? = nil) -> Profile {
        let behavior = Behavior(firstByte: .fixed(0), perToken: .fixed(0), completionTokens: .fixed(4))
        let route = Route(
            name: "bedrock",
            match: RouteMatch(
                endpoints: [.bedrockConverse, .bedrockConverseStream, .bedrockInvoke, .bedrockInvokeStream], model: model),
            behavior: behavior, limit: limit)
        return Profile(name: "bedrock", seed: 1, defaults: behavior, routes: [route])
    }

    func post(_ connection: Connection, _ path: String, _ body: String = Self.converse, headers: [String: String]) throws -> [UInt8] {
        try connection.post(path, body, headers: headers)
        connection.advance(ms: 10)
        connection.loop.run()
        var out: [UInt8] = []
        while let buffer = try connection.channel.readOutbound(as: ByteBuffer.self) { out += buffer.readableBytesView }
        return out
    }

    static func head(_ response: [UInt8]) -> String {
        String(decoding: response, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
    }

    /// The body after the head: whole, or its chunks joined.
    static func body(_ response: [UInt8]) -> [UInt8] {
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        var i = 0
        while i + 4 <= response.count && Array(response[i..<i + 4]) != separator { i += 1 }
        var rest = response[(i + 4)...]
        guard head(response).lowercased().contains("transfer-encoding: chunked") else { return Array(rest) }
        var out: [UInt8] = []
        while let end = rest.firstIndex(of: UInt8(ascii: "\r")),
            let size = Int(String(decoding: rest[..<end], as: UTF8.self), radix: 16), size > 0
        {
            out += rest[(end + 2)..<(end + 2 + size)]
            rest = rest[(end + 4 + size)...]
        }
        return out
    }

    static func json(_ response: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body(response))) as? [String: Any])
    }

    @Test func aSignedConverseIsServedAndTheRouteMatchesTheDecodedModel() throws {
        // The route's limit admits one request: a second refused shows the route took both.
        let limit = Limit(rpm: 60, burst: .count(1))
        let connection = try Connection(profile: Self.profile(limit: limit, model: "anthropic.claude-3-5-sonnet-20240620-v1:0"))
        let response = try post(connection, "/model/\(Self.model)/converse", headers: Self.sigV4("AKIDONE"))
        #expect(Self.head(response).hasPrefix("HTTP/1.1 200"))
        #expect(Self.head(response).contains("\r\nx-amzn-RequestId: "))
        #expect((try Self.json(response)["usage"] as? [String: Int])?["outputTokens"] == 4)
        let raw = try post(connection, "/model/anthropic.claude-3-5-sonnet-20240620-v1:0/converse", headers: Self.sigV4("AKIDONE"))
        #expect(Self.head(raw).hasPrefix("HTTP/1.1 429"))
    }

    @Test func noCredentialIsAccessDenied() throws {
        let connection = try Connection(profile: Self.profile())
        let response = try post(connection, "/model/\(Self.model)/converse", headers: [:])
        #expect(Self.head(response).hasPrefix("HTTP/1.1 403"))
        #expect(Self.head(response).contains("\r\nx-amzn-ErrorType: AccessDeniedException:http://internal.amazon.com/coral/com.amazon.bedrock/\r\n"))
        #expect(try Self.json(response).keys.sorted() == ["message"])
        #expect(Self.head(try post(connection, "/model/\(Self.model)/converse", headers: ["authorization": "Bearer k"])).hasPrefix("HTTP/1.1 200"))
    }

    @Test func theQuotaIsScopedByTheAccessKeyID() throws {
        let connection = try Connection(profile: Self.profile(limit: Limit(rpm: 60, burst: .count(1), per: [.apiKey])))
        let path = "/model/\(Self.model)/converse"
        #expect(Self.head(try post(connection, path, headers: Self.sigV4("AKIDONE"))).hasPrefix("HTTP/1.1 200"))
        let refused = try post(connection, path, headers: Self.sigV4("AKIDONE"))
        #expect(Self.head(refused).hasPrefix("HTTP/1.1 429"))
        #expect(Self.head(refused).contains("\r\nx-amzn-ErrorType: ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/\r\n"))
        #expect(try Self.json(refused)["message"] as? String == "Too many requests, please wait before trying again.")
        #expect(Self.head(try post(connection, path, headers: Self.sigV4("AKIDTWO"))).hasPrefix("HTTP/1.1 200"))
    }

    @Test func aConverseStreamIsEventStreamFrames() throws {
        let connection = try Connection(profile: Self.profile())
        let response = try post(connection, "/model/\(Self.model)/converse-stream", headers: Self.sigV4("AKIDONE"))
        #expect(Self.head(response).contains("\r\ncontent-type: application/vnd.amazon.eventstream\r\n"))
        let messages = try EventStreamDecoder.messages(Self.body(response))
        #expect(messages.map { $0.string(":event-type") ?? "" } == [
            "messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockStop",
            "messageStop", "metadata",
        ])
    }

    @Test func anInvokeStreamErrorEndsWithAnExceptionFrame() throws {
        let connection = try Connection(profile: Self.profile())
        var headers = Self.sigV4("AKIDONE")
        headers["x-decoy-fault"] = "stream_error"
        let body = #"{"anthropic_version":"bedrock-2023-05-31","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}"#
        let response = try post(connection, "/model/\(Self.model)/invoke-with-response-stream", body, headers: headers)
        #expect(Self.head(response).hasPrefix("HTTP/1.1 200"))
        let messages = try EventStreamDecoder.messages(Self.body(response))
        #expect(messages.dropLast().allSatisfy { $0.string(":event-type") == "chunk" })
        #expect(messages.last?.string(":exception-type") == "modelStreamErrorException")
    }

    @Test func anUnknownOperationIsBedrocks404() throws {
        let connection = try Connection(profile: Self.profile())
        let response = try post(connection, "/model/\(Self.model)/nothing", headers: Self.sigV4("AKIDONE"))
        #expect(Self.head(response).hasPrefix("HTTP/1.1 404"))
        #expect(Self.head(response).contains("x-amzn-ErrorType: UnknownOperationException:"))
    }
}
