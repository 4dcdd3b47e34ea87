import DecoyEngine

/// Google's error envelope `{"error":{"code":429,"message":"…","status":"RESOURCE_EXHAUSTED"}}` for
/// every error, its stock messages, and the in-stream error frame.
///
/// A `ProviderError`'s `type`, when set, is the envelope's `status`; otherwise the status is the
/// `google.rpc.Code` name Google maps the HTTP code from.
extension VertexDialect {
    /// An error; a `retryAfter` it carries (a rule's `retry_after`) is sent as an integer `retry-after`,
    /// which the profile asked for, though Vertex AI and the Gemini API send none of their own.
    public func render(_ error: ProviderError) -> Reply {
        render(error, retryHeader: error.retryAfter, quota: nil)
    }

    /// The 429 of a limit. Vertex AI's and the Gemini API's carry no `retry-after` header (the Gemini API
    /// names the wait in the body: the message's "Please retry in …" and `RetryInfo.retryDelay`), unless
    /// the limit's `retry_after: header` asks for one.
    public func render(_ rejection: Rejection, for request: ParsedRequest) -> Reply {
        var error = resourceExhausted
        error.retryAfter = rejection.retryAfter
        if gemini {
            let violation = QuotaViolation(rejection, model: request.model)
            error.message += " \n* Quota exceeded for metric: \(violation.metric), limit: \(violation.limit), model: "
                + "\(request.model)\nPlease retry in \(GoDuration.format(seconds: rejection.retryAfter))."
            return render(error, retryHeader: rejection.retryAfterHeader == .header ? rejection.retryAfter : nil, quota: violation)
        }
        return render(error, retryHeader: rejection.retryAfterHeader == .header ? rejection.retryAfter : nil, quota: nil)
    }

    private func render(_ error: ProviderError, retryHeader: Double?, quota: QuotaViolation?) -> Reply {
        var headers = Self.jsonHeaders
        headers.append(contentsOf: error.headers)
        if let retryHeader { headers.append(("retry-after", String(retrySeconds(retryHeader)))) }
        let retryDelay = gemini && error.status == 429 ? retrySeconds(error.retryAfter ?? 37) : nil
        return Reply(
            status: error.status, headers: headers, body: .full(Self.envelope(error, retryDelay: retryDelay, quota: quota)))
    }

    public func renderMalformed(_ request: ParsedRequest) -> Reply {
        var body: [UInt8] = []
        if request.sim.stream && !request.jsonArrayStream { body.append("data: ") }
        body.append("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Lorem ips")
        let headers = request.sim.stream && !request.jsonArrayStream ? Self.streamHeaders : Self.jsonHeaders
        return Reply(status: 200, headers: headers, body: .full(body))
    }

    /// An SSE `data: {"error":{…}}` frame; in a JSON-array stream, one more element and the closing `]`
    /// (or, before any element was written, the whole array: `[{"error":{…}}]`).
    static func streamErrorFrame(gemini: Bool, array: Bool, opened: Bool) -> [UInt8] {
        let envelope = envelope(injected(status: 500, gemini: gemini), retryDelay: nil, quota: nil)
        var out: [UInt8] = []
        if array {
            out.append(opened ? ",\r\n" : "[")
        } else {
            out.append("data: ")
        }
        out.append(contentsOf: envelope)
        out.append(array ? "]" : "\r\n\r\n")
        return out
    }

    // MARK: Envelope

    /// The envelope; `retryDelay` (seconds) adds the Gemini API's `details`: `Help`, the `QuotaFailure` of
    /// a limit's refusal, and `RetryInfo`, in the order the Gemini API writes them.
    static func envelope(_ error: ProviderError, retryDelay: Int?, quota: QuotaViolation?) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + error.message.utf8.count + (retryDelay == nil ? 0 : 480))
        out.append("{\"error\":{\"code\":")
        out.append(int: error.status)
        out.append(",\"message\":")
        out.append(jsonString: error.message)
        out.append(",\"status\":")
        out.append(jsonString: error.type ?? statusName(error.status))
        if let retryDelay {
            out.append(
                ",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.Help\",\"links\":[{\"description\":\"Learn more about Gemini API quotas\",\"url\":\"https://ai.google.dev/gemini-api/docs/rate-limits\"}]},"
            )
            if let quota {
                out.append("{\"@type\":\"type.googleapis.com/google.rpc.QuotaFailure\",\"violations\":[{\"quotaMetric\":\"")
                out.append(quota.metric)
                out.append("\",\"quotaId\":\"")
                out.append(quota.id)
                out.append("\",\"quotaDimensions\":{\"location\":\"global\",\"model\":")
                out.append(jsonString: quota.model)
                out.append("}}]},")
            }
            out.append("{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retryDelay\":\"")
            out.append(int: retryDelay)
            out.append("s\"}]")
        }
        out.append("}}")
        return out
    }

    /// The `google.rpc.Code` name Google's front end gives an HTTP status.
    static func statusName(_ code: Int) -> String {
        switch code {
        case 400, 411, 413, 414, 431: "INVALID_ARGUMENT"
        case 401: "UNAUTHENTICATED"
        case 403: "PERMISSION_DENIED"
        case 404: "NOT_FOUND"
        case 405, 501: "UNIMPLEMENTED"
        case 408, 504: "DEADLINE_EXCEEDED"
        case 409: "ABORTED"
        case 429: "RESOURCE_EXHAUSTED"
        case 499: "CANCELLED"
        case 500: "INTERNAL"
        case 502, 503: "UNAVAILABLE"
        case 400..<500: "FAILED_PRECONDITION"
        default: "UNKNOWN"
        }
    }

    /// Whole seconds, at least one, as `retry-after` and `retryDelay` carry them.

    // MARK: Stock errors

    public func error(_ stock: StockError) -> ProviderError {
        switch stock {
        case .notFound(_, let path):
            return ProviderError(status: 404, message: "The requested URL \(path) was not found on this server.")
        case .methodNotAllowed(let method, let path, let allowed):
            var error = ProviderError(
                status: 405, message: "Method \(method) is not allowed for \(path); use \(allowed.joined(separator: " or ")).")
            error.headers = [("allow", allowed.joined(separator: ", "))]
            return error
        case .bodyTooLarge(let limit):
            return ProviderError(status: 413, message: "Request payload size exceeds the limit: \(limit) bytes.")
        case .injected(let status, let retryAfter):
            var error = status == 429 ? resourceExhausted : Self.injected(status: status, gemini: gemini)
            error.retryAfter = retryAfter
            return error
        }
    }

    /// The 429 a limit or rule gives: Vertex's words, or the Gemini API's.
    var resourceExhausted: ProviderError {
        ProviderError(
            status: 429,
            message: gemini
                ? "You exceeded your current quota, please check your plan and billing details. For more information "
                    + "on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits."
                : "Resource exhausted. Please try again later. Please refer to "
                    + "https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.")
    }

    /// Google's own wording for an error status a rule injects.
    static func injected(status: Int, gemini: Bool) -> ProviderError {
        let message: String
        switch status {
        case 400: message = "Request contains an invalid argument."
        case 401: message = unauthenticated
        case 403: message = "The caller does not have permission"
        case 404:
            message =
                gemini
                ? "Requested entity was not found."
                : "Publisher Model was not found or your project does not have access to it. Please ensure you are "
                    + "using a valid model version. For more information, see: "
                    + "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions"
        case 408, 504: message = "Deadline expired before operation could complete."
        case 500: message = "Internal error encountered."
        case 502: message = "Bad Gateway"
        case 503: message = "The model is overloaded. Please try again later."
        default: message = "Request failed with HTTP status \(status)."
        }
        return ProviderError(status: status, message: message)
    }

    static let unauthenticated =
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid "
        + "authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."

    // MARK: Request errors

    static func invalid(_ message: String) -> ProviderError { ProviderError(status: 400, message: message) }

    /// `Invalid JSON payload received. …`, as Google words a body it cannot parse.
    static func invalidJSON(_ error: JSONError, bodyLength: Int) -> ProviderError {
        guard error.offset < bodyLength else { return invalid("Invalid JSON payload received. Unexpected end of string.") }
        return invalid("Invalid JSON payload received. Unexpected token at line \(error.line) column \(error.column).")
    }

    /// `Invalid value at 'field' (TYPE), value`, as Google words a field of the wrong type.
    static func invalidValue(_ field: String, _ value: JSONValue, type: String = "type.googleapis.com/google.cloud.aiplatform.v1.Content")
        -> ProviderError
    {
        invalid("Invalid value at '\(field)' (\(type)), \(value.description.prefix(80))")
    }
}

/// The quota a Gemini API 429 says was exceeded (`google.rpc.QuotaFailure`): the paid tier's per-minute
/// request or input-token quota of the model, as the Gemini API names them.
struct QuotaViolation {
    let metric: StaticString
    let id: StaticString
    let limit: Int
    let model: String

    init(_ rejection: Rejection, model: String) {
        self.model = model
        if rejection.kind == .tokens {
            metric = "generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count"
            id = "GenerateContentPaidTierInputTokensPerModelPerMinute"
            limit = rejection.quota.limitTokens ?? 0
        } else {
            metric = "generativelanguage.googleapis.com/generate_requests_per_model"
            id = "GenerateRequestsPerMinutePerProjectPerModel"
            limit = rejection.quota.limitRequests ?? 0
        }
    }
}
