import DecoyEngine

/// Bedrock's errors as AWS's rest-json services send them: the status, `x-amzn-ErrorType:
/// ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/` (botocore's
/// `RestJSONParser._inject_error_code` keeps what comes before the `:`), `x-amzn-RequestId` and a
/// `{"message":…}` body. No `retry-after`: Bedrock sends none.
extension BedrockDialect {
    public func render(_ error: ProviderError) -> Reply {
        let name = error.type ?? Self.exceptionName(error.status)
        var headers: [(String, String)] = [
            ("content-type", "application/json"), ("x-amzn-RequestId", Identifiers.uuid()),
            ("x-amzn-ErrorType", name + ":http://internal.amazon.com/coral/com.amazon.bedrock/"),
        ]
        headers.append(contentsOf: error.headers)
        if let retryAfter = error.retryAfter { headers.append(("retry-after", String(retrySeconds(retryAfter)))) }
        var body: [UInt8] = []
        body.reserveCapacity(16 + error.message.utf8.count)
        body.append("{\"message\":")
        body.append(jsonString: error.message)
        body.append("}")
        return Reply(status: error.status, headers: headers, body: .full(body))
    }

    /// ThrottlingException for a request a limit refused, worded as Bedrock words its request and token
    /// quotas; a `retry-after` only when the limit asks for one (`retry_after: header`).
    public func render(_ rejection: Rejection, for request: ParsedRequest) -> Reply {
        let message =
            switch rejection.kind {
            case .tokens: "Too many tokens, please wait before trying again."
            case .requests, .concurrency: "Too many requests, please wait before trying again."
            }
        var error = ProviderError(status: 429, message: message, type: "ThrottlingException")
        if rejection.retryAfterHeader == .header { error.retryAfter = rejection.retryAfter }
        return render(error)
    }

    /// A 200 that goes wrong: a body cut short, or a stream whose second event's JSON is cut short
    /// (its frame sound, so the client's JSON parser, not its checksum, trips), then ends cleanly.
    public func renderMalformed(_ request: ParsedRequest) -> Reply {
        let invoke = request.sim.endpoint == .bedrockInvoke || request.sim.endpoint == .bedrockInvokeStream
        guard request.sim.stream else {
            let cut =
                invoke
                ? "{\"id\":\"msg_bdrk_01decoy\",\"type\":\"message\",\"role\":\"assis"
                : "{\"metrics\":{\"latencyMs\":1},\"output\":{\"message\":{\"content\":[{\"te"
            return Reply(status: 200, headers: Self.jsonHeaders(), body: .full(Array(cut.utf8)))
        }
        var body: [UInt8] = []
        if invoke {
            body += InvokeStream.chunk(Array("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_bdrk_01decoy\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[]}}".utf8))
            body += InvokeStream.chunk(Array("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Lor".utf8))
            body += InvokeStream.chunk(Array("{\"type\":\"message_stop\"}".utf8))
        } else {
            body += EventStreamFrame.message(headers: ConverseStream.startHeaders, payload: Array("{\"role\":\"assistant\"}".utf8))
            body += EventStreamFrame.message(headers: ConverseStream.deltaHeaders, payload: Array("{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Lor".utf8))
            body += EventStreamFrame.message(headers: ConverseStream.messageStopHeaders, payload: Array("{\"stopReason\":\"end_turn\"}".utf8))
        }
        return Reply(status: 200, headers: Self.streamHeaders(invoke: invoke), body: .full(body))
    }

    /// The exception a status stands for, by the `httpStatusCode` of each in Bedrock's service model.
    static func exceptionName(_ status: Int) -> String {
        switch status {
        case 400, 413: "ValidationException"
        case 401, 403: "AccessDeniedException"
        case 404: "ResourceNotFoundException"
        case 408: "ModelTimeoutException"
        case 424: "ModelErrorException"
        case 429: "ThrottlingException"
        case 503: "ServiceUnavailableException"
        case 500..<600: "InternalServerException"
        default: "ValidationException"
        }
    }

    // MARK: Stock errors

    public func error(_ stock: StockError) -> ProviderError {
        switch stock {
        case .notFound:
            // What AWS's front end says to a path no operation has (unverified wording).
            return ProviderError(status: 404, message: "Unknown operation", type: "UnknownOperationException")
        case .methodNotAllowed:
            // Bedrock's operations are all POST: another method is no operation at all.
            return ProviderError(status: 404, message: "Unknown operation", type: "UnknownOperationException")
        case .bodyTooLarge(let limit):
            return Self.invalid("Input is too long for requested model: the request body is over \(limit) bytes.")
        case .injected(let status, let retryAfter):
            var error = Self.injected(status)
            error.retryAfter = retryAfter
            return error
        }
    }

    /// Bedrock's own words for a status a rule injects. Bedrock has no 401: a missing or refused
    /// credential (the engine's 401) is its 403 AccessDeniedException. 529, Anthropic's overloaded, is
    /// ModelNotReadyException, Bedrock's other 429.
    static func injected(_ status: Int) -> ProviderError {
        switch status {
        case 400: invalid("Malformed input request, please reformat your input and try again.")
        case 401:
            ProviderError(status: 403, message: "The security token included in the request is invalid.", type: "AccessDeniedException")
        case 403:
            ProviderError(status: 403, message: "You don't have access to the model with the specified model ID.", type: "AccessDeniedException")
        case 404:
            ProviderError(status: 404, message: "The provided model identifier is invalid.", type: "ResourceNotFoundException")
        case 408:
            ProviderError(
                status: 408, message: "Model has timed out in processing the request. Try your request again.",
                type: "ModelTimeoutException")
        case 424:
            ProviderError(status: 424, message: "The model returned an error. Try your request again.", type: "ModelErrorException")
        case 429:
            ProviderError(status: 429, message: "Too many requests, please wait before trying again.", type: "ThrottlingException")
        case 529:
            ProviderError(
                status: 429,
                message: "Model is not ready to serve inference requests. The model may be scaling up or down. Try again later.",
                type: "ModelNotReadyException")
        case 503:
            ProviderError(status: 503, message: "Bedrock is unable to process your request.", type: "ServiceUnavailableException")
        case 500..<600:
            ProviderError(
                status: status, message: "The system encountered an unexpected error during processing. Try your request again.",
                type: "InternalServerException")
        default:
            ProviderError(status: status, message: "Request failed with status \(status).", type: exceptionName(status))
        }
    }
}
