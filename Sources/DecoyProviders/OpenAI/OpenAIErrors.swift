import DecoyEngine

/// OpenAI's error envelope `{"error":{"message","type","param","code"}}`, its stock messages, and the
/// `x-ratelimit-*` headers it sends on every answer. On Vertex AI (`vertex: true`) the 401s and 429s
/// are Google's front end's, in Google's envelope.
extension OpenAIDialect {
    public func render(_ error: ProviderError) -> Reply {
        if googleAnswers(error.status) { return Catalog.vertex.render(error) }
        var headers = baseHeaders()
        headers.append(contentsOf: error.headers)
        if let retryAfter = error.retryAfter {
            headers.append(contentsOf: retryHeaders(seconds: retryAfter))
        }
        return Reply(status: error.status, headers: headers, body: .full(Self.envelope(error)))
    }

    public func render(_ rejection: Rejection, for request: ParsedRequest) -> Reply {
        if vertex { return Catalog.vertex.render(rejection, for: request) }
        let quota = rejection.quota
        let message: String
        let type: String
        switch rejection.kind {
        case .requests:
            type = "requests"
            message =
                "Rate limit reached for \(request.model) in organization org-decoy on requests per min (RPM): "
                + "Limit \(quota.limitRequests ?? 0), Used \(quota.limitRequests ?? 0), Requested 1. "
                + "Please try again in \(GoDuration.format(seconds: rejection.retryAfter)). "
                + "Visit https://platform.openai.com/account/rate-limits to learn more."
        case .tokens where rejection.exceedsCapacity:
            type = "tokens"
            message =
                "Request too large for \(request.model) in organization org-decoy on tokens per min (TPM): "
                + "Limit \(quota.limitTokens ?? 0), Requested \(rejection.requested). "
                + "The input or output tokens must be reduced in order to run successfully. "
                + "Visit https://platform.openai.com/account/rate-limits to learn more."
        case .tokens:
            type = "tokens"
            message =
                "Rate limit reached for \(request.model) in organization org-decoy on tokens per min (TPM): "
                + "Limit \(quota.limitTokens ?? 0), Used \((quota.limitTokens ?? 0) - quota.remainingTokens), "
                + "Requested \(rejection.requested). "
                + "Please try again in \(GoDuration.format(seconds: rejection.retryAfter)). "
                + "Visit https://platform.openai.com/account/rate-limits to learn more."
        case .concurrency:
            type = "requests"
            message =
                "Too many concurrent requests for \(request.model). Please try again in "
                + "\(GoDuration.format(seconds: rejection.retryAfter))."
        }
        var error = ProviderError(status: 429, message: message, type: type, code: azure ? "429" : "rate_limit_exceeded")
        if azure {
            error.message =
                "Requests to the ChatCompletions_Create Operation under Azure OpenAI API have exceeded "
                + "the rate limit of your current pricing tier. Please retry after "
                + "\(retrySeconds(rejection.retryAfter)) seconds."
        }
        var headers = baseHeaders()
        headers.append(contentsOf: rateLimitHeaders(quota))
        if rejection.retryAfterHeader != .noHeader { headers.append(contentsOf: retryHeaders(seconds: rejection.retryAfter)) }
        return Reply(status: 429, headers: headers, body: .full(Self.envelope(error)))
    }

    public func renderMalformed(_ request: ParsedRequest) -> Reply {
        var body: [UInt8] = []
        if request.sim.stream {
            // A stream whose second event is cut JSON, then ends as if nothing were wrong.
            body.append("data: {\"id\":\"chatcmpl-decoy\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n")
            body.append("data: {\"id\":\"chatcmpl-decoy\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Lor\n\n")
            body.append("data: [DONE]\n\n")
            return Reply(status: 200, headers: Self.streamHeaders(quota: baseHeaders()), body: .full(body))
        }
        body.append("{\"id\":\"chatcmpl-")
        body.append(raw: request.model)
        body.append("\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assis")
        return Reply(status: 200, headers: baseHeaders(), body: .full(body))
    }

    /// The frame a chat or text completion stream fails with: `data: {"error":{…}}`, which the SDKs raise on.
    static func streamErrorFrame() -> [UInt8] {
        var out: [UInt8] = []
        out.append("data: ")
        out.append(contentsOf: envelope(serverError(status: 500)))
        out.append("\n\n")
        return out
    }

    // MARK: Envelope and headers

    static let jsonHeaders: [(String, String)] = [("content-type", "application/json")]

    static func envelope(_ error: ProviderError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + error.message.utf8.count)
        out.append("{\"error\":{\"message\":")
        out.append(jsonString: error.message)
        out.append(",\"type\":")
        appendOptional(error.type, to: &out)
        out.append(",\"param\":")
        appendOptional(error.param, to: &out)
        out.append(",\"code\":")
        appendOptional(error.code, to: &out)
        out.append("}}")
        return out
    }

    private static func appendOptional(_ value: String?, to out: inout [UInt8]) {
        if let value { out.append(jsonString: value) } else { out.append("null") }
    }

    /// `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` for the quota a route has.
    func rateLimitHeaders(_ quota: QuotaStatus) -> [(String, String)] {
        var headers: [(String, String)] = []
        if let limit = quota.limitRequests {
            headers.append(("x-ratelimit-limit-requests", String(limit)))
            headers.append(("x-ratelimit-remaining-requests", String(quota.remainingRequests)))
            headers.append(("x-ratelimit-reset-requests", GoDuration.format(seconds: quota.resetRequests)))
        }
        if let limit = quota.limitTokens {
            headers.append(("x-ratelimit-limit-tokens", String(limit)))
            headers.append(("x-ratelimit-remaining-tokens", String(quota.remainingTokens)))
            headers.append(("x-ratelimit-reset-tokens", GoDuration.format(seconds: quota.resetTokens)))
        }
        return headers
    }

    /// An integer `retry-after` of at least one second (what LiteLLM's router can read), and Azure's
    /// `retry-after-ms`.
    func retryHeaders(seconds: Double) -> [(String, String)] {
        var headers = [("retry-after", String(retrySeconds(seconds)))]
        if azure { headers.append(("retry-after-ms", String(max(1, Int((seconds * 1000).rounded(.up)))))) }
        return headers
    }

    /// Whether Google's front end, not the model, answers this status (on Vertex AI only).
    private func googleAnswers(_ status: Int) -> Bool { vertex && (status == 401 || status == 429) }

    // MARK: Stock errors

    public func error(_ stock: StockError) -> ProviderError {
        switch stock {
        case .notFound(let method, let path):
            return ProviderError(status: 404, message: "Invalid URL (\(method) \(path))", type: "invalid_request_error")
        case .methodNotAllowed(let method, let path, let allowed):
            var error = ProviderError(
                status: 405, message: "Invalid method for URL (\(method) \(path))", type: "invalid_request_error")
            error.headers = [("allow", allowed.joined(separator: ", "))]
            return error
        case .bodyTooLarge(let limit):
            return ProviderError(
                status: 413, message: "Request body too large: the limit is \(limit) bytes.",
                type: "invalid_request_error", code: "request_too_large")
        case .injected(let status, let retryAfter):
            if googleAnswers(status) { return Catalog.vertex.error(stock) }
            return Self.serverError(status: status, retryAfter: retryAfter)
        }
    }

    static let unparsableBody = ProviderError(
        status: 400,
        message:
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP "
            + "library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you "
            + "have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
        type: "invalid_request_error")

    static func invalid(_ message: String, param: String? = nil, code: String? = nil) -> ProviderError {
        ProviderError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    static func missing(_ param: String) -> ProviderError {
        invalid("Missing required parameter: '\(param)'.", param: param, code: "missing_required_parameter")
    }

    static func invalidType(_ param: String, expected: String, got value: JSONValue?) -> ProviderError {
        invalid(
            "Invalid type for '\(param)': expected \(expected), but got \(value?.kind.openAIName ?? "nothing") instead.",
            param: param, code: "invalid_type")
    }

    /// The error an injected status gets: OpenAI's own wording for the common ones.
    static func serverError(status: Int, retryAfter: Double? = nil) -> ProviderError {
        var error: ProviderError
        switch status {
        case 400: error = invalid("Invalid request.")
        case 401:
            error = ProviderError(
                status: 401, message: "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
                type: "invalid_request_error", code: "invalid_api_key")
        case 403: error = ProviderError(status: 403, message: "You are not allowed to sample from this model", type: "invalid_request_error")
        case 404: error = ProviderError(status: 404, message: "The model does not exist or you do not have access to it.", type: "invalid_request_error", code: "model_not_found")
        case 408: error = ProviderError(status: 408, message: "Request timed out.", type: "timeout")
        case 429:
            // The rate-limit 429 (what a chaos test means by "fail with 429"), with a retry-after that
            // LiteLLM and the SDK can read: the rule's, else one second.
            error = ProviderError(
                status: 429,
                message: "Rate limit reached for requests. Please try again in \(GoDuration.format(seconds: retryAfter ?? 1)). "
                    + "Visit https://platform.openai.com/account/rate-limits to learn more.",
                type: "requests", code: "rate_limit_exceeded")
            error.retryAfter = retryAfter ?? 1
            return error
        case 503:
            error = ProviderError(
                status: 503,
                message: "That model is currently overloaded with other requests. You can retry your request, or contact us through our help center at help.openai.com if the error persists.",
                type: "server_error")
        case 500..<600:
            error = ProviderError(
                status: status, message: "The server had an error while processing your request. Sorry about that!",
                type: "server_error")
        default: error = ProviderError(status: status, message: "Request failed with status \(status).", type: "invalid_request_error")
        }
        error.retryAfter = retryAfter
        return error
    }
}
