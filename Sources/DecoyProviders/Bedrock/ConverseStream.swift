/// ConverseStream's events, each one event-stream message with `:event-type` naming the member of
/// `ConverseStreamOutput` and the member's structure flat as its JSON payload: `messageStart`, one paced
/// `contentBlockDelta` per token (a text block has no `contentBlockStart`: that union has only
/// `toolUse`, `toolResult` and `image`), `contentBlockStop`, `messageStop`, then `metadata` with usage
/// and metrics (LiteLLM reads the usage only beside `metrics`).
struct ConverseStream: ReplyStream {
    private let answer: Converse
    private var phase: Phase = .start

    enum Phase: Sendable {
        case start
        case delta(Int)
        case blockStop, messageStop, metadata, ended
    }

    static let startHeaders = EventStreamFrame.eventHeaders("messageStart")
    static let deltaHeaders = EventStreamFrame.eventHeaders("contentBlockDelta")
    static let blockStopHeaders = EventStreamFrame.eventHeaders("contentBlockStop")
    static let messageStopHeaders = EventStreamFrame.eventHeaders("messageStop")
    static let metadataHeaders = EventStreamFrame.eventHeaders("metadata")
    static let failureHeaders = EventStreamFrame.exceptionHeaders("internalServerException")

    init(_ answer: Converse) {
        self.answer = answer
    }

    var pacedEvents: Int { answer.tokens }

    mutating func next() -> StreamEvent? {
        var out: [UInt8] = []
        let headers: [UInt8]
        var paced = false
        switch phase {
        case .start:
            phase = answer.tokens > 0 ? .delta(0) : .messageStop
            headers = Self.startHeaders
            out.reserveCapacity(96)
            let start = EventStreamFrame.begin(headers: headers, in: &out)
            out.append("{\"role\":\"assistant\"}")
            EventStreamFrame.end(start, headersLength: headers.count, in: &out)
            return StreamEvent(bytes: out, paced: false)
        case .delta(let t):
            phase = t + 1 < answer.tokens ? .delta(t + 1) : .blockStop
            headers = Self.deltaHeaders
            paced = true
            out.reserveCapacity(160)
            let start = EventStreamFrame.begin(headers: headers, in: &out)
            out.append("{\"contentBlockIndex\":0,\"delta\":{\"text\":")
            out.append(jsonString: answer.text.token(t))
            out.append("}}")
            EventStreamFrame.end(start, headersLength: headers.count, in: &out)
        case .blockStop:
            phase = .messageStop
            headers = Self.blockStopHeaders
            let start = EventStreamFrame.begin(headers: headers, in: &out)
            out.append("{\"contentBlockIndex\":0}")
            EventStreamFrame.end(start, headersLength: headers.count, in: &out)
        case .messageStop:
            phase = .metadata
            headers = Self.messageStopHeaders
            let start = EventStreamFrame.begin(headers: headers, in: &out)
            out.append("{\"stopReason\":\"")
            out.append(answer.stopReason)
            out.append("\"}")
            EventStreamFrame.end(start, headersLength: headers.count, in: &out)
        case .metadata:
            phase = .ended
            headers = Self.metadataHeaders
            out.reserveCapacity(192)
            let start = EventStreamFrame.begin(headers: headers, in: &out)
            out.append("{")
            answer.appendUsage(to: &out)
            out.append(",\"metrics\":{\"latencyMs\":")
            out.append(int: answer.latencyMs)
            out.append("}}")
            EventStreamFrame.end(start, headersLength: headers.count, in: &out)
        case .ended:
            return nil
        }
        return StreamEvent(bytes: out, paced: paced)
    }

    /// An `internalServerException` message, as Bedrock breaks a stream it cannot finish; botocore
    /// raises it as `EventStreamError` where the caller iterates.
    mutating func failure() -> [UInt8] {
        phase = .ended
        return EventStreamFrame.message(
            headers: Self.failureHeaders,
            payload: Array("{\"message\":\"The system encountered an unexpected error during processing. Try your request again.\"}".utf8))
    }
}
