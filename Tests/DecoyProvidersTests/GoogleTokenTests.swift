import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyProviders

/// The fake OAuth 2 token endpoint grants what google-auth asks for, and its tokens verify themselves.
@Suite struct GoogleTokenTests {
    let dialect = GoogleTokenDialect()

    func post(_ form: String) -> Result<ParsedRequest, ProviderError> {
        Result { () throws(ProviderError) in
            try dialect.parse(RequestHead(method: "POST", path: "/token", endpoint: .googleToken), body: Array(form.utf8))
        }
    }

    func json(_ reply: Reply) throws -> [String: Any] {
        guard case .full(let bytes) = reply.body else { throw Failure.notFull }
        return try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    enum Failure: Error { case notFull }

    static func base64url(_ text: String) -> String {
        Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// What google-auth sends: an RS256 JWT (the signature is not checked, so any bytes do).
    static let assertion =
        base64url(#"{"alg":"RS256","typ":"JWT","kid":"abc"}"#) + "."
        + base64url(#"{"iss":"decoy@p.iam.gserviceaccount.com","aud":"https://oauth2.googleapis.com/token","exp":2,"iat":1}"#)
        + "." + base64url("not really a signature")

    static let jwtGrant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + assertion

    @Test func theJWTBearerGrantIssuesATokenVertexAccepts() throws {
        let parsed = try post(Self.jwtGrant).get()
        #expect(parsed.sim.maxTokens == 0)
        let reply = dialect.render(parsed, schedule: Schedule())
        #expect(reply.status == 200)
        let body = try json(reply)
        let token = try #require(body["access_token"] as? String)
        #expect(token.hasPrefix("ya29.decoy-"))
        #expect(body["expires_in"] as? Int == 3599)
        #expect(body["token_type"] as? String == "Bearer")
        #expect(GoogleAccessToken.verify(token[...]))
    }

    @Test func theRefreshTokenGrantIssuesOneToo() throws {
        let parsed = try post("grant_type=refresh_token&refresh_token=1%2F%2Fdecoy&client_id=x&client_secret=y").get()
        let token = try #require(try json(dialect.render(parsed, schedule: Schedule()))["access_token"] as? String)
        #expect(GoogleAccessToken.verify(token[...]))
    }

    @Test(arguments: [
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=abc.def",
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c",
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=e30.e30.!!",
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=e30..c2ln",
    ])
    func anAssertionThatIsNotAJWTIsAnInvalidGrant(form: String) throws {
        guard case .failure(let error) = post(form) else { Issue.record("granted"); return }
        let reply = dialect.render(error)
        #expect(reply.status == 400)
        let body = try json(reply)
        #expect(body["error"] as? String == "invalid_grant")
        #expect((body["error_description"] as? String)?.hasPrefix("Invalid JWT") == true)
        #expect(body.count == 2)
    }

    @Test func otherGrantsAndMissingFieldsGetOAuthErrors() throws {
        guard case .failure(let unsupported) = post("grant_type=password&username=u") else { Issue.record("granted"); return }
        #expect(unsupported.type == "unsupported_grant_type")
        guard case .failure(let missing) = post("assertion=x") else { Issue.record("granted"); return }
        #expect(missing.type == "invalid_request")
        guard case .failure(let noToken) = post("grant_type=refresh_token") else { Issue.record("granted"); return }
        #expect(noToken.type == "invalid_request")
    }

    @Test func injectedErrorsAndRefusalsKeepOAuthsShape() throws {
        for status in [400, 401, 429, 500, 503] {
            let body = try json(dialect.render(dialect.error(.injected(status: status, retryAfter: nil))))
            #expect(body["error"] is String && body["error_description"] is String)
        }
        let parsed = try post(Self.jwtGrant).get()
        let refused = dialect.render(Rejection(kind: .requests, retryAfter: 0.4, quota: QuotaStatus(), routeName: "t"), for: parsed)
        #expect(refused.status == 429)
        #expect(refused.headers.contains { $0 == ("retry-after", "1") })
    }

    @Test func tokensExpireAndCannotBeForged() {
        let token = GoogleAccessToken.issue(now: 1_000)
        #expect(GoogleAccessToken.verify(token[...], now: 1_000 + 3_598))
        #expect(!GoogleAccessToken.verify(token[...], now: 1_000 + 3_599))
        var tampered = Array(token.utf8)
        tampered[GoogleAccessToken.prefix.utf8.count + 12] ^= 1  // a nonce digit: the MAC no longer matches
        #expect(!GoogleAccessToken.verify(String(decoding: tampered, as: UTF8.self)[...], now: 1_000))
        #expect(!GoogleAccessToken.verify("ya29.decoy-", now: 1_000))
        #expect(!GoogleAccessToken.verify(token.uppercased()[...], now: 1_000))
    }

    @Test func sipHashMatchesTheReferenceVectors() {
        // Key 00 01 … 0f; messages 00 01 … (n-1) of n = 0 and 8 bytes, from the SipHash paper's test vectors.
        let key: (UInt64, UInt64) = (0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908)
        #expect(SipHash24.hash(key: key) == 0x726f_db47_dd0e_0e31)
        #expect(SipHash24.hash(key: key, 0x0706_0504_0302_0100) == 0x93f5_f579_9a93_2462)
    }

    @Test func formsDecodePlusAndPercent() {
        let form = GoogleTokenDialect.form(Array("a=x+y%2Fz&b=&c&a=second".utf8))
        #expect(form["a"] == "x y/z")
        #expect(form["b"] == "")
        #expect(form["c"] == "")
    }
}
