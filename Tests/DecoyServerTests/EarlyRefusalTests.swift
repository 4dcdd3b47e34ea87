import DecoyProfile
import NIOCore
import Testing

@testable import DecoyServer

/// What is refused before a provider is asked: a head over the limits, an admin token in any case.
@Suite struct EarlyRefusalTests {
    /// The head is refused before anything is routed: a 431 whatever the path, not the 404 an unknown
    /// path would get (the Dispatcher answers a head refusal before `.notFound` and `.wrongMethod`).
    @Test func anOversizedHeadToAnUnknownPathGets431() throws {
        let shared = ServerContext(profile: TestProfiles.fixed(), maxBodyBytes: 8 << 20, maxHeaderBytes: 1024, logger: .init(label: "t"))
        for target in ["/nope", "/v1/models"] {
            let connection = try Connection(profile: TestProfiles.fixed(), shared: shared)
            try connection.send("POST \(target) HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 2000))
            let out = try connection.drain()
            #expect(out.hasPrefix("HTTP/1.1 431"), "\(target)")
            #expect(!connection.channel.isActive)
        }
    }

    /// RFC 9110 §11.1: `bearer` in any case opens the admin API as `Bearer` does (`AdminAPI.authorize`
    /// reads the token with `RequestHeaders.credentials(fromAuthorization:)`).
    @Test(arguments: ["Bearer s3cret-token", "bearer s3cret-token", "BEARER s3cret-token"])
    func theAdminTokenIsAcceptedWithTheBearerSchemeInAnyCase(authorization: String) throws {
        let connection = try Connection(profile: TestProfiles.fixed(), admin: AdminSettings(token: "s3cret-token"))
        try connection.get("/_decoy/stats", headers: ["Authorization": authorization])
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))
    }
}

extension EarlyRefusalTests {
    /// More than 100 fields is a 431 that says so, in the route's provider's shape, and the connection closes.
    @Test func tooManyFieldsGetA431ThatNamesTheFieldLimit() throws {
        let connection = try Connection(profile: TestProfiles.fixed())
        var head = "POST /v1/chat/completions HTTP/1.1\r\n"
        for i in 0...100 { head += "x-field-\(i): v\r\n" }
        try connection.send(head + "\r\n")
        let out = try connection.drain()
        #expect(out.hasPrefix("HTTP/1.1 431"))
        #expect(out.contains("the limit is 100 fields"))
        #expect(!connection.channel.isActive)
    }

    /// HEAD takes the route a GET would: a route matching `method: GET` answers it.
    @Test func headIsMatchedAsGET() throws {
        let behavior = Behavior(firstByte: .fixed(0), perToken: .fixed(0), completionTokens: .fixed(1))
        let rule = ErrorRule(trigger: .rate(1), outcome: .status(503, retryAfter: nil))
        let route = Route(name: "get-only", match: RouteMatch(endpoints: [.openaiModels], method: "GET"), behavior: behavior, errors: [rule])
        let connection = try Connection(profile: Profile(name: "head", seed: 1, defaults: behavior, routes: [route]))
        try connection.send("HEAD /v1/models HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try connection.drain().hasPrefix("HTTP/1.1 503"))
    }
}
