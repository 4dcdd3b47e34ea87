/// InvokeModelWithResponseStream for a Claude model: Anthropic's stream events (`MessageStream`, bare),
/// each in one event-stream message of `:event-type: chunk` whose payload is the `PayloadPart`
/// `{"bytes":"<base64 of the event's JSON>"}` (botocore decodes the blob; the Anthropic SDK's Bedrock
/// client and LiteLLM read the event inside).
struct InvokeStream: ReplyStream {
    private var events: MessageStream

    static let chunkHeaders = EventStreamFrame.eventHeaders("chunk")
    static let failureHeaders = EventStreamFrame.exceptionHeaders("modelStreamErrorException")

    init(_ events: MessageStream) {
        self.events = events
    }

    var pacedEvents: Int { events.pacedEvents }

    mutating func next() -> StreamEvent? {
        var json: [UInt8] = []
        guard let paced = events.appendNext(to: &json) else { return nil }
        return StreamEvent(bytes: Self.chunk(json), paced: paced)
    }

    /// One `chunk` message carrying `json`.
    static func chunk(_ json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(EventStreamFrame.overhead + chunkHeaders.count + 16 + json.count * 4 / 3 + 4)
        let start = EventStreamFrame.begin(headers: chunkHeaders, in: &out)
        out.append("{\"bytes\":\"")
        Base64.append(json, to: &out)
        out.append("\"}")
        EventStreamFrame.end(start, headersLength: chunkHeaders.count, in: &out)
        return out
    }

    /// A `modelStreamErrorException` message, as Bedrock reports a model that fails mid-stream; botocore
    /// raises it as `EventStreamError` where the caller iterates.
    mutating func failure() -> [UInt8] {
        _ = events.failure()  // the events are over
        return EventStreamFrame.message(
            headers: Self.failureHeaders,
            payload: Array("{\"message\":\"The model encountered an error while streaming the response. Try your request again.\"}".utf8))
    }
}
