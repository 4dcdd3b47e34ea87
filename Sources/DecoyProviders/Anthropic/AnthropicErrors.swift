import DecoyEngine

/// Anthropic's error envelope `{"type":"error","error":{"type","message"},"request_id":"req_…"}`, its
/// status→type map, its 429 with `retry-after` and the `anthropic-ratelimit-*` headers.
///
/// On Vertex AI the 401s and 429s come from Google's front end, not from Claude: they are rendered in
/// Google's envelope (`VertexDialect`), everything else in Anthropic's.
extension AnthropicDialect {
    public func render(_ error: ProviderError) -> Reply {
        if googleAnswers(error.status) { return Catalog.vertex.render(error) }
        let requestID = Identifiers.make("req_01", length: 22)
        var headers: [(String, String)] = [("content-type", "application/json"), ("request-id", requestID)]
        headers.append(contentsOf: error.headers)
        if let retryAfter = error.retryAfter { headers.append(("retry-after", String(retrySeconds(retryAfter)))) }
        return Reply(status: error.status, headers: headers, body: .full(Self.envelope(error, requestID: requestID)))
    }

    public func render(_ rejection: Rejection, for request: ParsedRequest) -> Reply {
        if vertex { return Catalog.vertex.render(rejection, for: request) }
        let quota = rejection.quota
        let message: String
        switch rejection.kind {
        case .requests:
            message =
                "This request would exceed the rate limit for your organization (org-decoy) of "
                + "\(quota.limitRequests ?? 0) requests per minute. For details, refer to: "
                + "https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. "
                + "Please reduce the prompt length or the maximum tokens requested, or try again later. You may also "
                + "contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."
        case .tokens:
            message =
                "This request would exceed the rate limit for your organization (org-decoy) of "
                + "\(quota.limitTokens ?? 0) input tokens per minute. For details, refer to: "
                + "https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. "
                + "Please reduce the prompt length or the maximum tokens requested, or try again later. You may also "
                + "contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."
        case .concurrency:
            message =
                "Number of concurrent connections has exceeded your rate limit. Please try again later or contact "
                + "sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."
        }
        var reply = render(ProviderError(status: 429, message: message, type: "rate_limit_error", retryAfter: rejection.retryAfter))
        reply.headers.append(contentsOf: Self.rateLimitHeaders(quota))
        return reply
    }

    public func renderMalformed(_ request: ParsedRequest) -> Reply {
        var body: [UInt8] = []
        var headers = jsonHeaders()
        if request.sim.stream {
            // A stream whose first delta is cut JSON, then ends as if nothing were wrong.
            headers[0] = ("content-type", "text/event-stream; charset=utf-8")
            body.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01decoy\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":")
            body.append(jsonString: request.model)
            body.append(",\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n")
            body.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Lor\n\n")
            body.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
            return Reply(status: 200, headers: headers, body: .full(body))
        }
        body.append("{\"id\":\"msg_01decoy\",\"type\":\"message\",\"role\":\"assis")
        return Reply(status: 200, headers: headers, body: .full(body))
    }

    /// Whether Google's front end, not Claude, answers this status (on Vertex AI only).
    private func googleAnswers(_ status: Int) -> Bool { vertex && (status == 401 || status == 429) }

    // MARK: Envelope

    static func envelope(_ error: ProviderError, requestID: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(112 + error.message.utf8.count)
        out.append("{\"type\":\"error\",\"error\":{\"type\":")
        out.append(jsonString: error.type ?? errorType(error.status))
        out.append(",\"message\":")
        out.append(jsonString: error.message)
        out.append("},\"request_id\":")
        out.append(jsonString: requestID)
        out.append("}")
        return out
    }

    /// The `error.type` Anthropic gives an HTTP status.
    static func errorType(_ status: Int) -> String {
        switch status {
        case 401: "authentication_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 529: "overloaded_error"
        case 500..<600: "api_error"
        default: "invalid_request_error"
        }
    }

    // MARK: Stock errors

    public func error(_ stock: StockError) -> ProviderError {
        switch stock {
        case .notFound:
            return ProviderError(status: 404, message: "Not Found", type: "not_found_error")
        case .methodNotAllowed(_, _, let allowed):
            var error = ProviderError(status: 405, message: "Method Not Allowed", type: "invalid_request_error")
            error.headers = [("allow", allowed.joined(separator: ", "))]
            return error
        case .bodyTooLarge(let limit):
            return ProviderError(
                status: 413, message: "Request exceeds the maximum allowed number of bytes (\(limit)).", type: "request_too_large")
        case .injected(let status, let retryAfter):
            if googleAnswers(status) { return Catalog.vertex.error(stock) }
            var error = ProviderError(status: status, message: Self.injectedMessage(status), type: Self.errorType(status))
            error.retryAfter = status == 429 ? (retryAfter ?? 1) : retryAfter
            return error
        }
    }

    /// Anthropic's own wording for an error status a rule injects.
    static func injectedMessage(_ status: Int) -> String {
        switch status {
        case 400: "Invalid request."
        case 401: "invalid x-api-key"
        case 403: "Your API key does not have permission to use the specified resource."
        case 404: "The requested resource could not be found."
        case 413: "Request exceeds the maximum allowed number of bytes."
        case 429:
            "Number of request tokens has exceeded your per-minute rate limit (https://docs.claude.com/en/api/rate-limits); "
                + "see the response headers for current usage. Please reduce the prompt length or the maximum tokens "
                + "requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales "
                + "to discuss your options for a rate limit increase."
        case 500: "Internal server error"
        case 529: "Overloaded"
        case 500..<600: "Internal server error"
        default: "Request failed with status \(status)."
        }
    }
}
