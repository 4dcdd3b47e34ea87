import DecoyEngine
import DecoyProfile

/// Successful answers: the dispatch to each endpoint's renderer, and the headers every answer carries.
extension AnthropicDialect {
    public func render(_ request: ParsedRequest, schedule: Schedule) -> Reply {
        var headers = jsonHeaders()
        if !vertex, let quota = schedule.quota { headers.append(contentsOf: Self.rateLimitHeaders(quota)) }
        switch request.sim.endpoint {
        case .anthropicModels:
            return Reply(status: 200, headers: headers, body: .full(AnthropicModels.render(model: request.sim.model)))
        case .anthropicCountTokens, .vertexAnthropicCountTokens:
            var body: [UInt8] = []
            body.append("{\"input_tokens\":")
            body.append(int: request.sim.promptTokens)
            body.append("}")
            return Reply(status: 200, headers: headers, body: .full(body))
        default:
            let message = AnthropicMessage(
                request: request, tokens: schedule.completionTokens, text: TextGenerator(content: schedule.content, for: request))
            guard request.sim.stream else { return Reply(status: 200, headers: headers, body: .full(message.render())) }
            headers[0] = ("content-type", "text/event-stream; charset=utf-8")
            headers.insert(("cache-control", "no-cache"), at: 1)
            return Reply(status: 200, headers: headers, body: .stream(MessageStream(message)))
        }
    }

    /// `content-type` and a fresh `request-id`, which every answer of Anthropic's carries.
    func jsonHeaders() -> [(String, String)] {
        [("content-type", "application/json"), ("request-id", Identifiers.make("req_01", length: 22))]
    }

    /// `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}` for the
    /// quota a route has, the resets as RFC 3339 times. Decoy's one token bucket counts input and output
    /// alike, so the three token families report the same bucket.
    static func rateLimitHeaders(_ quota: QuotaStatus) -> [(String, String)] {
        var headers: [(String, String)] = []
        let now = Identifiers.now()
        if let limit = quota.limitRequests {
            headers.append(("anthropic-ratelimit-requests-limit", String(limit)))
            headers.append(("anthropic-ratelimit-requests-remaining", String(quota.remainingRequests)))
            headers.append(("anthropic-ratelimit-requests-reset", resetTime(now: now, after: quota.resetRequests)))
        }
        if let limit = quota.limitTokens {
            let reset = resetTime(now: now, after: quota.resetTokens)
            for family in ["tokens", "input-tokens", "output-tokens"] {
                headers.append(("anthropic-ratelimit-\(family)-limit", String(limit)))
                headers.append(("anthropic-ratelimit-\(family)-remaining", String(quota.remainingTokens)))
                headers.append(("anthropic-ratelimit-\(family)-reset", reset))
            }
        }
        return headers
    }

    /// `2026-12-02T14:50:12Z`: when a bucket `seconds` from now is full again, to the next whole second.
    static func resetTime(now: Int, after seconds: Double) -> String {
        let stamp = GoogleTime.format(seconds: now + Int(max(0, seconds).rounded(.up)), micros: 0)
        return String(stamp.prefix(19)) + "Z"
    }
}
