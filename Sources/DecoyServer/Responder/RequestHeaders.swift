import DecoyEngine
import DecoyProfile

/// Request headers as the Engine reads them.
struct RequestHeaders: HeaderSource {
    let fields: HTTP1Fields

    func first(_ name: String) -> String? { fields.first(name) }

    /// The caller's key: `Authorization: Bearer …` (or an AWS SigV4 signature's access key id), Azure's
    /// `api-key`, Google's `x-goog-api-key` or Anthropic's `x-api-key`.
    var apiKey: Substring? {
        if let auth = fields.first("authorization") {
            return Self.accessKeyID(fromSigV4: auth) ?? Self.credentials(fromAuthorization: auth)
        }
        if let key = fields.first("api-key") ?? fields.first("x-goog-api-key") ?? fields.first("x-api-key") { return key[...] }
        return nil
    }

    /// What follows `Bearer ` in an `Authorization` value, the scheme in any case (RFC 9110 §11.1);
    /// the value as sent when it names no bearer scheme. The one reading of a bearer token, for
    /// providers and the admin API alike.
    static func credentials(fromAuthorization value: String) -> Substring {
        let value = value[...]
        guard value.utf8.count > 7, value.utf8.prefix(7).equalsLowercased("bearer ") else { return value }
        // By UTF-8 offset: seven ASCII bytes, and the token starts on a scalar boundary after them.
        return value[value.utf8.index(value.startIndex, offsetBy: 7)...]
    }

    /// The access key id of an AWS Signature Version 4 `Authorization` value (`AWS4-HMAC-SHA256
    /// Credential=AKID/20261202/us-east-1/bedrock/aws4_request, SignedHeaders=…, Signature=…`), as botocore
    /// signs Bedrock's requests; `nil` for any other value. The signature is not checked.
    static func accessKeyID(fromSigV4 value: String) -> Substring? {
        let scheme = "AWS4-HMAC-SHA256 "
        guard value.utf8.count > scheme.utf8.count, value.utf8.prefix(scheme.utf8.count).elementsEqual(scheme.utf8) else {
            return nil
        }
        let utf8 = value.utf8
        let field = "Credential=".utf8
        var start = utf8.startIndex
        while start < utf8.endIndex, !utf8[start...].starts(with: field) { start = utf8.index(after: start) }
        guard start < utf8.endIndex else { return value[...] }
        let key = utf8.index(start, offsetBy: field.count)
        let end = utf8[key...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: " ") } ?? utf8.endIndex
        return value[key..<end]
    }

    /// What `x-decoy-fault` forces, `nil` when absent; throws the bad value.
    func forcedOutcome() throws(BadFaultHeader) -> ErrorRule.Outcome? {
        guard let value = fields.first("x-decoy-fault")?.trimmingSpaces, !value.isEmpty else { return nil }
        if let status = Int(value), (400...599).contains(status) { return .status(status, retryAfter: nil) }
        if let fault = Fault(rawValue: value.lowercased()) { return .fault(fault) }
        throw BadFaultHeader(value: value)
    }

    struct BadFaultHeader: Error {
        let value: String
        var message: String {
            "Invalid x-decoy-fault header '\(value)': expected an HTTP status 400-599 or one of "
                + Fault.allCases.map(\.rawValue).joined(separator: ", ") + "."
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = self[...]
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
