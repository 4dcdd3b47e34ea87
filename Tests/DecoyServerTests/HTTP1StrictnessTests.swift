import DecoyProfile
import Foundation
import NIOCore
import Testing

@testable import DecoyServer

/// Where request smuggling lives: framing that llhttp's strict mode (or nginx) refuses is refused
/// here too, with a 400 and the connection closed (issue 12).
@Suite struct HTTP1StrictnessTests {
    static let chunkedHead = "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"

    /// The body as one chunk whose size line is `sizeLine`.
    static func oneChunk(sizeLine: String) -> String {
        let body = TestProfiles.chatBody
        return chunkedHead + "\r\n" + sizeLine.replacingOccurrences(of: "SIZE", with: String(body.utf8.count, radix: 16))
            + "\r\n" + body + "\r\n0\r\n\r\n"
    }

    static func expectRefusedAndClosed(_ request: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.send(request)
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), "\(request.debugDescription)", sourceLocation: sourceLocation)
        #expect(out.contains("connection: close\r\n"), sourceLocation: sourceLocation)
        #expect(!connection.channel.isActive, "\(request.debugDescription)", sourceLocation: sourceLocation)
    }

    @Test func aSecondTransferEncodingLineIsRefused() throws {
        try Self.expectRefusedAndClosed(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    }

    /// RFC 9110 §8.6 lets a recipient keep one of identical values; llhttp and nginx refuse any repeat.
    @Test func aRepeatedContentLengthIsRefusedEvenWhenTheValuesAgree() throws {
        try Self.expectRefusedAndClosed(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}")
    }

    /// Hex digits, then `;`, CR or LF and nothing else (llhttp refuses even the BWS RFC 9112 §7.1.1
    /// lets a recipient skip).
    @Test(arguments: [
        "SIZE junk", "SIZE ", "SIZE\t", "SIZE ;a=b", "SIZEg", "SIZE;", "SIZE;;", "SIZE;=v", "SIZE; a", "SIZE;a =b",
        "SIZE;a= b", "SIZE;a=", "SIZE;a=b c", "SIZE;a=\"unterminated", "SIZE;a=\"q\"x", "SIZE;a=\"\u{01}\"", "SIZE;a@b",
        "SIZE;a=b=c", "SIZE;a=\"\\\u{01}\"",
    ])
    func junkAfterAChunkSizeIsRefused(sizeLine: String) throws {
        try Self.expectRefusedAndClosed(Self.oneChunk(sizeLine: sizeLine))
    }

    @Test(arguments: ["SIZE", "SIZE;a", "SIZE;a=b", "SIZE;a=b;c;d=e", "SIZE;a=\"q \\\" ;d\"", "SIZE;a=\"\"", "SIZE;!#$%&'*+-.^_`|~=x"])
    func wellFormedChunkExtensionsAreAccepted(sizeLine: String) throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.send(Self.oneChunk(sizeLine: sizeLine))
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200 OK\r\n"), "\(sizeLine.debugDescription)")
        #expect(connection.channel.isActive)
    }

    /// Trailer fields are header fields (RFC 9112 §7.1.2): the same checks apply.
    @Test(arguments: ["no colon", " folded: x", "bad name: x", "x: a\u{01}b"])
    func malformedTrailerFieldsAreRefused(trailer: String) throws {
        try Self.expectRefusedAndClosed(Self.chunkedHead + "\r\n0\r\n\(trailer)\r\n\r\n")
    }

    /// RFC 9112 §2.3: a higher minor version is processed as the highest one implemented, 1.1, as nginx
    /// does; the answer never claims a version Decoy does not speak.
    @Test(arguments: 2...9)
    func aMinorVersionAbove1IsAnsweredAsHTTP11(minor: Int) throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.send("GET /v1/models HTTP/1.\(minor)\r\nHost: t\r\n\r\nGET /v1/models HTTP/1.\(minor)\r\nHost: t\r\n\r\n")
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(out.occurrences(of: "HTTP/1.1 200 OK\r\n") == 2)
        #expect(!out.contains("HTTP/1.\(minor)"))
        #expect(connection.channel.isActive)
    }

    /// 100 fields, as Apache's `LimitRequestFields` and Tomcat's `maxHeaderCount`; one more is a 431.
    @Test func moreThan100HeaderFieldsGetA431() throws {
        let fields = (0..<HTTP1Parser.maxFields).map { "X-F\($0): v\r\n" }.joined()
        let fine = try Connection(profile: TestProfiles.fixed())
        try fine.send("GET /v1/models HTTP/1.1\r\n" + fields + "\r\n")
        #expect(try fine.drain().hasPrefix("HTTP/1.1 200 OK\r\n"))

        let many = try Connection(profile: TestProfiles.fixed())
        try many.send("GET /v1/models HTTP/1.1\r\nHost: t\r\n" + fields + "\r\nGET /v1/models HTTP/1.1\r\n\r\n")
        let out = try many.drain()
        #expect(out.hasPrefix("HTTP/1.1 431 "))
        #expect(out.occurrences(of: "HTTP/1.1 ") == 1)
        #expect(!many.channel.isActive)
    }

    /// RFC 9112 §6.1: answered, then closed, even when the client asked to keep the connection.
    @Test func transferEncodingOnHTTP10IsAnsweredAndTheConnectionCloses() throws {
        let body = TestProfiles.chatBody
        for connectionField in ["", "Connection: keep-alive\r\n"] {
            let connection = try Connection(profile: TestProfiles.fixed())
            try connection.send(
                "POST /v1/chat/completions HTTP/1.0\r\n\(connectionField)Transfer-Encoding: chunked\r\n\r\n"
                    + "\(String(body.utf8.count, radix: 16))\r\n\(body)\r\n0\r\n\r\nGET /v1/models HTTP/1.0\r\n\r\n")
            let out = try connection.drain()
            #expect(out.hasPrefix("HTTP/1.0 200 OK\r\n"), "\(connectionField.debugDescription)")
            #expect(out.occurrences(of: "HTTP/1.0 ") == 1, "\(connectionField.debugDescription)")
            #expect(!connection.channel.isActive, "\(connectionField.debugDescription)")
        }
    }
}
