/// A Messages API stream as Anthropic sends it, each event with its `event:` line (which the SDK
/// dispatches on) and the same name as `"type"` in its data (which LiteLLM dispatches on):
/// `message_start`, `content_block_start`, `ping`, one paced `content_block_delta` per token,
/// `content_block_stop`, `message_delta` with the final stop reason and cumulative usage, `message_stop`.
///
/// On Bedrock (`bare`) the events are bare JSON, without SSE lines or `ping`, which
/// InvokeModelWithResponseStream wraps one by one in event-stream `chunk`s (`InvokeStream`); Bedrock's
/// `message_stop` also carries `amazon-bedrock-invocationMetrics`.
struct MessageStream: ReplyStream {
    private let message: AnthropicMessage
    private let bare: Bool
    /// Bedrock's invocation metrics: the planned first byte and whole latency, in milliseconds.
    private let latencies: (firstByte: Int, whole: Int)
    private var phase: Phase = .start

    enum Phase: Sendable {
        case start, blockStart, ping
        case delta(Int)
        case blockStop, messageDelta, stop, ended
    }

    init(_ message: AnthropicMessage, bare: Bool = false, latencies: (firstByte: Int, whole: Int) = (0, 0)) {
        self.message = message
        self.bare = bare
        self.latencies = latencies
    }

    var pacedEvents: Int { message.tokens }

    mutating func next() -> StreamEvent? {
        var out: [UInt8] = []
        guard let paced = appendNext(to: &out) else { return nil }
        return StreamEvent(bytes: out, paced: paced)
    }

    /// Appends the next event and says whether it is paced; `nil` when the stream is over.
    mutating func appendNext(to out: inout [UInt8]) -> Bool? {
        switch phase {
        case .start:
            phase = .blockStart
            out.reserveCapacity(400)
            open("message_start", &out)
            out.append("{\"type\":\"message_start\",\"message\":")
            message.appendHead(to: &out)
            out.append("[],\"stop_reason\":null,\"stop_sequence\":null,")
            message.appendUsage(output: 1, to: &out)
            out.append("}}")
        case .blockStart:
            phase = bare ? (message.tokens > 0 ? .delta(0) : .blockStop) : .ping
            open("content_block_start", &out)
            out.append("{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}")
        case .ping:
            phase = message.tokens > 0 ? .delta(0) : .blockStop
            out.append("event: ping\ndata: {\"type\":\"ping\"}")
        case .delta(let t):
            phase = t + 1 < message.tokens ? .delta(t + 1) : .blockStop
            out.reserveCapacity(128)
            open("content_block_delta", &out)
            out.append("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":")
            out.append(jsonString: message.text.token(t))
            out.append("}}")
            close(&out)
            return true
        case .blockStop:
            phase = .messageDelta
            open("content_block_stop", &out)
            out.append("{\"type\":\"content_block_stop\",\"index\":0}")
        case .messageDelta:
            phase = .stop
            open("message_delta", &out)
            out.append("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"")
            out.append(message.stopReason)
            out.append("\",\"stop_sequence\":null},")
            message.appendUsage(output: message.tokens, tier: false, to: &out)
            out.append("}")
        case .stop:
            phase = .ended
            open("message_stop", &out)
            out.append("{\"type\":\"message_stop\"")
            if bare {
                out.append(",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":")
                out.append(int: message.inputTokens)
                out.append(",\"outputTokenCount\":")
                out.append(int: message.tokens)
                out.append(",\"invocationLatency\":")
                out.append(int: latencies.whole)
                out.append(",\"firstByteLatency\":")
                out.append(int: latencies.firstByte)
                out.append("}")
            }
            out.append("}")
        case .ended:
            return nil
        }
        close(&out)
        return false
    }

    /// `event: NAME\ndata: ` before an event's JSON, unless bare.
    private func open(_ name: StaticString, _ out: inout [UInt8]) {
        guard !bare else { return }
        out.append("event: ")
        out.append(name)
        out.append("\ndata: ")
    }

    /// The blank line after an event, unless bare.
    private func close(_ out: inout [UInt8]) {
        if !bare { out.append("\n\n") }
    }

    /// `event: error` with an `overloaded_error`, as Anthropic breaks a stream it cannot finish.
    mutating func failure() -> [UInt8] {
        phase = .ended
        return Array(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n".utf8)
    }
}
