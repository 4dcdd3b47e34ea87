/// A Messages API stream as Anthropic sends it, each event with its `event:` line (which the SDK
/// dispatches on) and the same name as `"type"` in its data (which LiteLLM dispatches on):
/// `message_start`, `content_block_start`, `ping`, one paced `content_block_delta` per token,
/// `content_block_stop`, `message_delta` with the final stop reason and cumulative usage, `message_stop`.
struct MessageStream: ReplyStream {
    private let message: AnthropicMessage
    private var phase: Phase = .start

    enum Phase: Sendable {
        case start, blockStart, ping
        case delta(Int)
        case blockStop, messageDelta, stop, ended
    }

    init(_ message: AnthropicMessage) {
        self.message = message
    }

    var pacedEvents: Int { message.tokens }

    mutating func next() -> StreamEvent? {
        var out: [UInt8] = []
        switch phase {
        case .start:
            phase = .blockStart
            out.reserveCapacity(400)
            out.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":")
            message.appendHead(to: &out)
            out.append("[],\"stop_reason\":null,\"stop_sequence\":null,")
            message.appendUsage(output: 1, to: &out)
            out.append("}}\n\n")
        case .blockStart:
            phase = .ping
            out.append(
                "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
            )
        case .ping:
            phase = message.tokens > 0 ? .delta(0) : .blockStop
            out.append("event: ping\ndata: {\"type\":\"ping\"}\n\n")
        case .delta(let t):
            phase = t + 1 < message.tokens ? .delta(t + 1) : .blockStop
            out.reserveCapacity(128)
            out.append(
                "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":")
            out.append(jsonString: message.text.token(t))
            out.append("}}\n\n")
            return StreamEvent(bytes: out, paced: true)
        case .blockStop:
            phase = .messageDelta
            out.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n")
        case .messageDelta:
            phase = .stop
            out.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"")
            out.append(message.stopReason)
            out.append("\",\"stop_sequence\":null},")
            message.appendUsage(output: message.tokens, tier: false, to: &out)
            out.append("}\n\n")
        case .stop:
            phase = .ended
            out.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
        case .ended:
            return nil
        }
        return StreamEvent(bytes: out, paced: false)
    }

    /// `event: error` with an `overloaded_error`, as Anthropic breaks a stream it cannot finish.
    mutating func failure() -> [UInt8] {
        phase = .ended
        return Array(
            "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n".utf8)
    }
}
