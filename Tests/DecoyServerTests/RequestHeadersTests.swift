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

    /// Bedrock's callers sign with SigV4: the access key id is the key, for `per: [api_key]`.
    @Test func aSigV4SignatureIsItsAccessKeyID() {
        let signed =
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261202/us-east-1/bedrock/aws4_request, "
            + "SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        #expect(Self.headers("authorization", signed).apiKey == "AKIDEXAMPLE")
        #expect(Self.headers("authorization", "AWS4-HMAC-SHA256 SignedHeaders=host").apiKey == "AWS4-HMAC-SHA256 SignedHeaders=host")
        #expect(Self.headers("authorization", "Bearer AWS4-HMAC-SHA256 Credential=X/").apiKey == "AWS4-HMAC-SHA256 Credential=X/")
    }
}
