import DecoyProfile
import NIOCore
import Testing

@testable import DecoyServer

/// Behaviours of issue 12 whose fix lies outside the HTTP/1.x codec: each fails until the change its
/// comment names is made (ProviderHandler.dispatch, AdminAPI.authorize).
@Suite struct HandoffTests {
    /// The head is refused before anything is routed: a 431 whatever the path, not the 404 an unknown
    /// path would get. Needs `ProviderHandler.dispatch` to answer `headTooLarge` before `.notFound`
    /// and `.wrongMethod`.
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

    /// RFC 9110 §11.1: `bearer` in any case opens the admin API as `Bearer` does. Needs
    /// `AdminAPI.authorize` to read the token with `RequestHeaders.credentials(fromAuthorization:)`.
    @Test(arguments: ["Bearer s3cret-token", "bearer s3cret-token", "BEARER s3cret-token"])
    func theAdminTokenIsAcceptedWithTheBearerSchemeInAnyCase(authorization: String) throws {
        let connection = try Connection(profile: TestProfiles.fixed(), admin: AdminSettings(token: "s3cret-token"))
        try connection.get("/_decoy/stats", headers: ["Authorization": authorization])
        #expect(try connection.drain().hasPrefix("HTTP/1.1 200"))
    }
}
