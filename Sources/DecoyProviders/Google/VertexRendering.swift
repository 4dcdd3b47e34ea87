import DecoyEngine
import DecoyProfile

/// Successful answers: the dispatch to each endpoint's renderer.
extension VertexDialect {
    public func render(_ request: ParsedRequest, schedule: Schedule) -> Reply {
        switch request.sim.endpoint {
        case .vertexEmbed:
            return Reply(status: 200, headers: Self.jsonHeaders, body: .full(GoogleEmbeddings.predict(request)))
        case .vertexRawPredict where !request.inputHashes.isEmpty:
            return Reply(status: 200, headers: Self.jsonHeaders, body: .full(GoogleEmbeddings.predict(request)))
        case .geminiEmbed:
            let batch = request.sim.path.hasSuffix(":batchEmbedContents")
            return Reply(status: 200, headers: Self.jsonHeaders, body: .full(GoogleEmbeddings.embedContent(request, batch: batch)))
        case .vertexCountTokens, .geminiCountTokens:
            return Reply(status: 200, headers: Self.jsonHeaders, body: .full(GoogleEmbeddings.countTokens(request, gemini: gemini)))
        default:
            let text = TextGenerator(content: schedule.content, for: request)
            var content = GenerateContent(request: request, tokens: schedule.completionTokens, text: text, gemini: gemini)
            if let model = schedule.model { content.model = model }
            guard request.sim.stream else { return Reply(status: 200, headers: Self.jsonHeaders, body: .full(content.render())) }
            let headers = request.jsonArrayStream ? Self.jsonHeaders : Self.streamHeaders
            return Reply(status: 200, headers: headers, body: .stream(GenerateContentStream(content, array: request.jsonArrayStream)))
        }
    }

    static let jsonHeaders: [(String, String)] = [("content-type", "application/json; charset=UTF-8")]
    static let streamHeaders: [(String, String)] = [("content-type", "text/event-stream"), ("cache-control", "no-cache")]
}

/// One `generateContent` answer: everything the whole body and each stream chunk are made of.
struct GenerateContent: Sendable {
    let gemini: Bool
    var model: String
    let responseID: String
    let createTime: String
    let promptTokens: Int
    let tokens: Int
    let candidates: Int
    let finishReason: StaticString
    let text: TextGenerator

    init(request: borrowing ParsedRequest, tokens: Int, text: TextGenerator, gemini: Bool) {
        self.gemini = gemini
        model = request.model
        responseID = Identifiers.make("", length: 23)
        createTime = GoogleTime.now()
        promptTokens = request.sim.promptTokens
        self.tokens = tokens
        candidates = max(1, request.sim.choices)
        finishReason = request.sim.maxTokens == tokens ? "MAX_TOKENS" : "STOP"
        self.text = text
    }

    /// The non-stream body.
    func render() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024 + candidates * tokens * 8)
        out.append("{\"candidates\":[")
        let whole = text.text(tokens: tokens)
        for index in 0..<candidates {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendCandidate(index, text: whole, final: true, to: &out)
        }
        out.append("],")
        appendUsage(complete: true, to: &out)
        appendTrailer(to: &out)
        return out
    }

    /// Stream chunk `i` (of `max(1, tokens)`): token `i` of each candidate; the last also carries the
    /// finish reason, the safety ratings and the whole usage.
    func appendChunk(_ i: Int, to out: inout [UInt8]) {
        let final = i + 1 >= tokens
        let piece = tokens > 0 ? text.token(i) : ""
        out.append("{\"candidates\":[")
        for index in 0..<candidates {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendCandidate(index, text: piece, final: final, to: &out)
        }
        out.append("],")
        appendUsage(complete: final, to: &out)
        appendTrailer(to: &out)
    }

    private func appendCandidate(_ index: Int, text: String, final: Bool, to out: inout [UInt8]) {
        out.append("{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":")
        out.append(jsonString: text)
        out.append("}]}")
        if final {
            out.append(",\"finishReason\":\"")
            out.append(finishReason)
            out.append(gemini ? "\"" : "\",\"safetyRatings\":")
            if !gemini { out.append(contentsOf: Self.safetyRatings) }
            out.append(",\"avgLogprobs\":")
            out.append(decimal: -0.05 - Double((tokens * 7 + index) % 40) / 100)
        }
        // Proto3 JSON leaves out a zero index; the Gemini API writes it anyway.
        if index > 0 || gemini {
            out.append(",\"index\":")
            out.append(int: index)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// `"usageMetadata":{…}`: the whole of it, or what a chunk before the last carries (Vertex: nothing,
    /// the Gemini API: the prompt's count).
    private func appendUsage(complete: Bool, to out: inout [UInt8]) {
        let output = tokens * candidates
        out.append("\"usageMetadata\":{")
        guard complete || gemini else {
            out.append("},")
            return
        }
        out.append("\"promptTokenCount\":")
        out.append(int: promptTokens)
        if complete {
            out.append(",\"candidatesTokenCount\":")
            out.append(int: output)
        }
        out.append(",\"totalTokenCount\":")
        out.append(int: promptTokens + (complete ? output : 0))
        if !gemini { out.append(",\"trafficType\":\"ON_DEMAND\"") }
        out.append(",\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":")
        out.append(int: promptTokens)
        out.append("}]")
        if complete {
            out.append(",\"candidatesTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":")
            out.append(int: output)
            out.append("}]")
        }
        out.append("},")
    }

    private func appendTrailer(to out: inout [UInt8]) {
        out.append("\"modelVersion\":")
        out.append(jsonString: model)
        if !gemini {
            out.append(",\"createTime\":\"")
            out.append(raw: createTime)
            out.append(UInt8(ascii: "\""))
        }
        out.append(",\"responseId\":\"")
        out.append(raw: responseID)
        out.append("\"}")
    }

    static let safetyRatings: [UInt8] = Array(
        ("[{\"category\":\"HARM_CATEGORY_HATE_SPEECH\",\"probability\":\"NEGLIGIBLE\",\"probabilityScore\":0.046,\"severity\":\"HARM_SEVERITY_NEGLIGIBLE\",\"severityScore\":0.031},"
        + "{\"category\":\"HARM_CATEGORY_DANGEROUS_CONTENT\",\"probability\":\"NEGLIGIBLE\",\"probabilityScore\":0.052,\"severity\":\"HARM_SEVERITY_NEGLIGIBLE\",\"severityScore\":0.045},"
        + "{\"category\":\"HARM_CATEGORY_HARASSMENT\",\"probability\":\"NEGLIGIBLE\",\"probabilityScore\":0.061,\"severity\":\"HARM_SEVERITY_NEGLIGIBLE\",\"severityScore\":0.028},"
        + "{\"category\":\"HARM_CATEGORY_SEXUALLY_EXPLICIT\",\"probability\":\"NEGLIGIBLE\",\"probabilityScore\":0.039,\"severity\":\"HARM_SEVERITY_NEGLIGIBLE\",\"severityScore\":0.052}]").utf8)
}

/// A `streamGenerateContent` answer: one chunk per token, paced, with the whole usage in the last; as
/// SSE (`data: {…}` and CRLF CRLF, no `[DONE]`) with `alt=sse`, else one JSON array written element
/// by element (`[{…}`, `,\r\n{…}`, …, `]`).
struct GenerateContentStream: ReplyStream {
    private let content: GenerateContent
    private let array: Bool
    private var index = 0
    private var closed = false

    init(_ content: GenerateContent, array: Bool) {
        self.content = content
        self.array = array
    }

    var pacedEvents: Int { content.tokens }

    mutating func next() -> StreamEvent? {
        if index < max(1, content.tokens) {
            var out: [UInt8] = []
            out.reserveCapacity(320)
            if array {
                out.append(index == 0 ? "[" : ",\r\n")
            } else {
                out.append("data: ")
            }
            content.appendChunk(index, to: &out)
            if !array { out.append("\r\n\r\n") }
            index += 1
            return StreamEvent(bytes: out, paced: content.tokens > 0)
        }
        guard array, !closed else { return nil }
        closed = true
        return StreamEvent(bytes: [UInt8(ascii: "]")], paced: false)
    }

    mutating func failure() -> [UInt8] {
        let opened = index > 0
        index = Int.max
        closed = true
        return VertexDialect.streamErrorFrame(gemini: content.gemini, array: array, opened: opened)
    }
}
