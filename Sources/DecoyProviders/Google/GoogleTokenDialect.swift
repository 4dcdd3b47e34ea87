import DecoyEngine
import DecoyProfile

/// Google's OAuth 2 token endpoint (`oauth2.googleapis.com/token`) as google-auth calls it with a
/// service-account JSON whose `token_uri` points here: a form-encoded `grant_type` of
/// `urn:ietf:params:oauth:grant-type:jwt-bearer` with the signed `assertion` (or `refresh_token`),
/// answered with an access token that Vertex routes accept.
///
/// The assertion's signature and `aud` are not checked (google-auth always names Google's own endpoint
/// as the audience): it must only have the shape of a JWT. Errors use OAuth's own shape,
/// `{"error":"invalid_grant","error_description":"…"}`.
public struct GoogleTokenDialect: Dialect {
    public var name: String { "google-oauth" }

    public init() {}

    static let jwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"

    public func parse(_ head: RequestHead, body: [UInt8]) throws(ProviderError) -> ParsedRequest {
        var sim = SimRequest(endpoint: head.endpoint, method: head.method, path: head.path, apiKey: head.apiKey)
        sim.maxTokens = 0  // a token takes no generation time
        let form = Self.form(body)
        guard let grant = form["grant_type"], !grant.isEmpty else {
            throw Self.oauth(400, "invalid_request", "Missing required parameter: grant_type")
        }
        switch grant {
        case Self.jwtBearer:
            guard let assertion = form["assertion"], !assertion.isEmpty else {
                throw Self.oauth(400, "invalid_request", "Missing required parameter: assertion")
            }
            guard Self.looksLikeJWT(assertion) else {
                throw Self.oauth(
                    400, "invalid_grant",
                    "Invalid JWT: the assertion must be three base64url parts separated by dots, "
                        + "the first two JSON objects.")
            }
        case "refresh_token":
            guard let token = form["refresh_token"], !token.isEmpty else {
                throw Self.oauth(400, "invalid_request", "Missing required parameter: refresh_token")
            }
        default:
            throw Self.oauth(400, "unsupported_grant_type", "Invalid grant_type: \(grant)")
        }
        return ParsedRequest(sim: sim, model: "")
    }

    public func render(_ request: ParsedRequest, schedule: Schedule) -> Reply {
        var out: [UInt8] = []
        out.append("{\"access_token\":\"")
        out.append(raw: GoogleAccessToken.issue())
        out.append("\",\"expires_in\":")
        out.append(int: GoogleAccessToken.lifetime)
        out.append(",\"token_type\":\"Bearer\"}")
        return Reply(status: 200, headers: Self.headers, body: .full(out))
    }

    // MARK: Errors

    public func render(_ error: ProviderError) -> Reply {
        var headers = Self.headers
        headers.append(contentsOf: error.headers)
        if let retryAfter = error.retryAfter {
            headers.append(("retry-after", String(retrySeconds(retryAfter))))
        }
        var out: [UInt8] = []
        out.append("{\"error\":")
        out.append(jsonString: error.type ?? Self.code(error.status))
        out.append(",\"error_description\":")
        out.append(jsonString: error.message)
        out.append("}")
        return Reply(status: error.status, headers: headers, body: .full(out))
    }

    public func error(_ stock: StockError) -> ProviderError {
        switch stock {
        case .notFound(let method, let path):
            return Self.oauth(404, "not_found", "No token endpoint at \(method) \(path).")
        case .methodNotAllowed(let method, _, let allowed):
            var error = Self.oauth(405, "invalid_request", "Method \(method) is not allowed; use \(allowed.joined(separator: " or ")).")
            error.headers = [("allow", allowed.joined(separator: ", "))]
            return error
        case .bodyTooLarge(let limit):
            return Self.oauth(413, "invalid_request", "Request body too large: the limit is \(limit) bytes.")
        case .injected(let status, let retryAfter):
            var error: ProviderError
            switch status {
            case 400: error = Self.oauth(400, "invalid_grant", "Invalid JWT Signature.")
            case 401: error = Self.oauth(401, "invalid_client", "The OAuth client was not found.")
            case 403: error = Self.oauth(403, "access_denied", "The caller does not have permission.")
            case 429: error = Self.oauth(429, "rate_limit_exceeded", "Rate limit exceeded.")
            case 503: error = Self.oauth(503, "temporarily_unavailable", "The service is currently unavailable.")
            default: error = Self.oauth(status, Self.code(status), "Backend Error")
            }
            error.retryAfter = retryAfter
            return error
        }
    }

    public func render(_ rejection: Rejection, for request: ParsedRequest) -> Reply {
        var error = Self.oauth(429, "rate_limit_exceeded", "Rate limit exceeded.")
        error.retryAfter = rejection.retryAfter
        return render(error)
    }

    public func renderMalformed(_ request: ParsedRequest) -> Reply {
        Reply(status: 200, headers: Self.headers, body: .full(Array("{\"access_token\":\"ya29.decoy-".utf8)))
    }

    static let headers: [(String, String)] = [
        ("content-type", "application/json; charset=utf-8"), ("cache-control", "no-cache, no-store, max-age=0, must-revalidate"),
    ]

    static func oauth(_ status: Int, _ code: String, _ description: String) -> ProviderError {
        ProviderError(status: status, message: description, type: code)
    }

    /// The OAuth error code a status gets when nothing more precise is known.
    static func code(_ status: Int) -> String {
        switch status {
        case 401: "invalid_client"
        case 403: "access_denied"
        case 429: "rate_limit_exceeded"
        case 503: "temporarily_unavailable"
        case 500..<600: "internal_failure"
        default: "invalid_request"
        }
    }

    // MARK: Form and JWT

    /// An `application/x-www-form-urlencoded` body: `+` is a space, `%XX` a byte; the first of a repeated name wins.
    static func form(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let byte = bytes[i]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), i + 2 < bytes.endIndex, let high = bytes[i + 1].hexDigitValue,
                let low = bytes[i + 2].hexDigitValue
            {
                out.append(high << 4 | low)
                i += 2
            } else {
                out.append(byte)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Three base64url parts, the first two decoding to JSON objects (header and claims).
    static func looksLikeJWT(_ assertion: String) -> Bool {
        let parts = assertion.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ !$0.isEmpty }) else { return false }
        for (index, part) in parts.enumerated() {
            guard let bytes = Base64URL.decode(part) else { return false }
            if index < 2 {
                guard let document = try? JSONDocument.parse(bytes), document.root.kind == .object else { return false }
            }
        }
        return true
    }
}

/// Unpadded base64url (RFC 4648 §5), as JWTs carry their parts.
enum Base64URL {
    static func decode(_ text: some Sequence<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.underestimatedCount * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in text {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="): continue  // tolerate padding
            default: return nil
            }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return bits >= 6 ? nil : out  // a lone trailing character cannot end a valid encoding
    }
}
