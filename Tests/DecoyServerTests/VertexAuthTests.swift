import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyServer

/// Vertex routes want a token from Decoy's own token endpoint, unless the route says otherwise, and
/// answer 401 UNAUTHENTICATED in Google's envelope before spending any quota.
@Suite struct VertexAuthTests {
    static let path = VertexLimitTests.path
    static let body = VertexLimitTests.body
    static let jwtGrant =
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"

    /// Gets a token from `POST /token` on this connection, as google-auth would.
    static func issuedToken(_ connection: Connection) throws -> String {
        try connection.send(
            "POST /token HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                + "Content-Length: \(jwtGrant.utf8.count)\r\n\r\n\(jwtGrant)")
        connection.advance(ms: 1_000)  // past any first-byte delay the profile's defaults give the token endpoint
        let response = try connection.drain()
        return try #require(try Connection.jsonBody(response)["access_token"] as? String)
    }

    static func profile(auth: Auth?, limit: Limit? = nil) -> Profile {
        let behavior = Behavior(firstByte: .fixed(0.05), perToken: .fixed(0), completionTokens: .fixed(3))
        let route = Route(
            name: "vertex", match: RouteMatch(endpoints: [.vertexGenerate]), behavior: behavior, limit: limit, auth: auth)
        return Profile(name: "vertex-auth", seed: 1, defaults: behavior, routes: [route])
    }

    func status(_ connection: Connection, headers: [String: String] = [:]) throws -> (String, [String: Any]) {
        try connection.post(Self.path, Self.body, headers: headers)
        connection.advance(ms: 100)
        let response = try connection.drain()
        return (String(response.prefix(12)), try Connection.jsonBody(response))
    }

    @Test func aTokenFromTheTokenEndpointIsAccepted() throws {
        let connection = try Connection(profile: Self.profile(auth: nil))
        let token = try Self.issuedToken(connection)
        #expect(token.hasPrefix("ya29.decoy-"))
        let (status, body) = try status(connection, headers: ["authorization": "Bearer \(token)"])
        #expect(status == "HTTP/1.1 200")
        #expect(body["candidates"] != nil)
    }

    @Test(arguments: [[:], ["authorization": "Bearer ya29.somebody-elses"], ["x-goog-api-key": "AIza-key"]])
    func aMissingOrForeignTokenIsUnauthenticated(headers: [String: String]) throws {
        let connection = try Connection(profile: Self.profile(auth: nil))
        try connection.post(Self.path, Self.body, headers: headers)
        let response = try connection.drain()  // at once: the route's first-byte delay is not waited
        #expect(response.hasPrefix("HTTP/1.1 401"))
        let error = try #require(try Connection.jsonBody(response)["error"] as? [String: Any])
        #expect(error["code"] as? Int == 401)
        #expect(error["status"] as? String == "UNAUTHENTICATED")
        #expect((error["message"] as? String)?.hasPrefix("Request had invalid authentication credentials.") == true)
    }

    @Test func authAnyTakesAnyBearerButNotNone() throws {
        let connection = try Connection(profile: Self.profile(auth: .any))
        #expect(try status(connection, headers: ["authorization": "Bearer anything"]).0 == "HTTP/1.1 200")
        #expect(try status(connection).0 == "HTTP/1.1 401")
    }

    @Test func authKeysTakesOnlyThoseKeys() throws {
        let connection = try Connection(profile: Self.profile(auth: .keys(["k1"])))
        #expect(try status(connection, headers: ["authorization": "Bearer k1"]).0 == "HTTP/1.1 200")
        #expect(try status(connection, headers: ["authorization": "Bearer k2"]).0 == "HTTP/1.1 401")
    }

    @Test func authOpenTakesAnyone() throws {
        let connection = try Connection(profile: Self.profile(auth: .open))
        #expect(try status(connection).0 == "HTTP/1.1 200")
    }

    @Test func refusedCallersSpendNoQuota() throws {
        let connection = try Connection(profile: Self.profile(auth: nil, limit: Limit(rpm: 60, burst: .count(1))))
        for _ in 0..<3 { #expect(try status(connection).0 == "HTTP/1.1 401") }
        let token = try Self.issuedToken(connection)
        #expect(try status(connection, headers: ["authorization": "Bearer \(token)"]).0 == "HTTP/1.1 200")
    }

    @Test func openAIRoutesStillTakeAnyone() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        try connection.post("/v1/chat/completions", TestProfiles.chatBody)
        connection.advance(ms: 10)
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))
    }
}
