import Testing

@testable import DecoyServer

/// The caller's key as the Engine reads it.
@Suite struct RequestHeadersTests {
    static func headers(_ name: String, _ value: String) -> RequestHeaders {
        var fields = HTTP1Fields()
        fields.append(name: name, value: value)
        return RequestHeaders(fields: fields)
    }

    /// RFC 9110 §11.1: the authentication scheme is case-insensitive.
    @Test(arguments: ["Bearer k-1", "bearer k-1", "BEARER k-1", "bEaReR k-1"])
    func theBearerSchemeIsMatchedInAnyCase(authorization: String) {
        #expect(Self.headers("authorization", authorization).apiKey == "k-1")
    }

    @Test func anAuthorizationWithoutTheBearerSchemeIsTheKeyAsSent() {
        #expect(Self.headers("authorization", "k-1").apiKey == "k-1")
        #expect(Self.headers("authorization", "Bearerk-1").apiKey == "Bearerk-1")
        #expect(Self.headers("api-key", "az").apiKey == "az")
        #expect(Self.headers("x-goog-api-key", "g").apiKey == "g")
    }
}
