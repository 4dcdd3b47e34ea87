import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyProviders

/// The Vertex AI and Gemini API dialect reads what LiteLLM and google-genai send and writes what they parse.
@Suite struct VertexDialectTests {
    let vertex = VertexDialect()
    let gemini = VertexDialect(gemini: true)

    static let modelPath: Substring = "/v1/projects/proj-a/locations/us-central1/publishers/google/models/gemini-1.5-pro"
    static let captures: [String: Substring] = ["project": "proj-a", "location": "us-central1", "model": "gemini-1.5-pro"]
    static let hello = #"{"contents":[{"role":"user","parts":[{"text":"hello there"}]}]}"#

    func parse(
        _ endpoint: Endpoint, _ body: String, dialect: VertexDialect? = nil, query: Substring = "",
        captures: [String: Substring] = Self.captures, apiKey: Substring? = nil
    ) -> Result<ParsedRequest, ProviderError> {
        Result { () throws(ProviderError) in
            try (dialect ?? vertex).parse(
                RequestHead(
                    method: "POST", path: Self.modelPath + ":x", query: query, endpoint: endpoint, captures: captures,
                    apiKey: apiKey),
                body: Array(body.utf8))
        }
    }

    func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    func body(_ reply: Reply) throws -> [String: Any] {
        guard case .full(let bytes) = reply.body else { throw Failure.notFull }
        return try json(bytes)
    }

    func events(_ reply: Reply) throws -> [StreamEvent] {
        guard case .stream(var stream) = reply.body else { throw Failure.notStream }
        var out: [StreamEvent] = []
        while let event = stream.next() { out.append(event) }
        return out
    }

    enum Failure: Error { case notFull, notStream }

    // MARK: Reading requests

    @Test func readsLiteLLMsSnakeCaseFields() throws {
        let parsed = try parse(
            .vertexGenerate,
            #"{"contents":[{"role":"user","parts":[{"text":"twelve bytes"}]}],"system_instruction":{"parts":[{"text":"be brief"}]},"generationConfig":{"max_output_tokens":7,"candidate_count":2}}"#
        ).get()
        #expect(parsed.sim.maxTokens == 7)
        #expect(parsed.sim.choices == 2)
        #expect(parsed.sim.promptTokens == (4 + 12 + 8 + 3) / 4)  // "user", the text and the system text
        #expect(parsed.echo == "twelve bytes")
        #expect(!parsed.sim.stream)
    }

    @Test func readsGoogleGenAIsCamelCaseFields() throws {
        let parsed = try parse(
            .vertexGenerate,
            #"{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"systemInstruction":{"parts":[{"text":"sys"}]},"generationConfig":{"maxOutputTokens":9,"candidateCount":3}}"#
        ).get()
        #expect(parsed.sim.maxTokens == 9)
        #expect(parsed.sim.choices == 3)
    }

    @Test func modelAndProjectComeFromThePath() throws {
        let parsed = try parse(.vertexGenerate, Self.hello).get()
        #expect(parsed.model == "gemini-1.5-pro")
        #expect(parsed.sim.model == "gemini-1.5-pro")
        #expect(parsed.sim.project == "proj-a")
    }

    @Test func aBareActionTakesTheModelFromTheBodyOrTheDefault() throws {
        let named = try parse(.vertexGenerate, #"{"model":"models/gemini-2.0-flash","contents":[{"parts":[{"text":"x"}]}]}"#, captures: [:]).get()
        #expect(named.model == "gemini-2.0-flash")
        let unnamed = try parse(.vertexGenerate, Self.hello, captures: [:]).get()
        #expect(unnamed.model == VertexDialect.defaultModel)
    }

    @Test func streamFramingFollowsAlt() throws {
        let sse = try parse(.vertexStream, Self.hello, query: "alt=sse").get()
        #expect(sse.sim.stream && !sse.jsonArrayStream)
        let array = try parse(.vertexStream, Self.hello).get()
        #expect(array.sim.stream && array.jsonArrayStream)
    }

    @Test func issuedTokensAreRecognisedAndOthersAreNot() throws {
        let token = GoogleAccessToken.issue()
        #expect(try parse(.vertexGenerate, Self.hello, apiKey: token[...]).get().sim.tokenIssued)
        #expect(try !parse(.vertexGenerate, Self.hello, apiKey: "ya29.not-ours").get().sim.tokenIssued)
        #expect(try !parse(.vertexGenerate, Self.hello).get().sim.tokenIssued)
    }

    @Test func theGeminiAPITakesItsKeyFromTheQuery() throws {
        let parsed = try parse(.geminiGenerate, Self.hello, dialect: gemini, query: "alt=sse&key=AIza-test").get()
        #expect(parsed.sim.apiKey == "AIza-test")
    }

    // MARK: Refusing requests

    @Test func malformedJSONIsInvalidArgumentInGooglesWords() {
        guard case .failure(let error) = parse(.vertexGenerate, #"{"contents": [}"#) else { Issue.record("accepted"); return }
        #expect(error.status == 400)
        #expect(error.message.hasPrefix("Invalid JSON payload received."))
    }

    @Test(arguments: [#"{}"#, #"{"contents":[]}"#, #"{"contents":null}"#])
    func emptyContentsAreRefused(body: String) {
        guard case .failure(let error) = parse(.vertexGenerate, body) else { Issue.record("accepted"); return }
        #expect(error.status == 400)
        #expect(error.message.contains("empty contents field"))
    }

    @Test func wrongTypesAndRangesAreRefused() {
        let badCap = parse(.vertexGenerate, #"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"maxOutputTokens":"many"}}"#)
        guard case .failure(let cap) = badCap else { Issue.record("accepted"); return }
        #expect(cap.message.hasPrefix("Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32)"))
        let badCount = parse(.vertexGenerate, #"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"candidateCount":9}}"#)
        guard case .failure(let count) = badCount else { Issue.record("accepted"); return }
        #expect(count.message.contains("candidateCount value of 9"))
    }

    // MARK: Answers

    @Test func generateContentIsValidJSONWithEverythingVertexSends() throws {
        let parsed = try parse(.vertexGenerate, Self.hello).get()
        let answer = try body(vertex.render(parsed, schedule: Schedule(completionTokens: 4)))
        let candidate = try #require((answer["candidates"] as? [[String: Any]])?.first)
        let content = try #require(candidate["content"] as? [String: Any])
        #expect(content["role"] as? String == "model")
        #expect(((content["parts"] as? [[String: Any]])?.first?["text"] as? String) == "Lorem ipsum dolor sit")
        #expect(candidate["finishReason"] as? String == "STOP")
        #expect((candidate["safetyRatings"] as? [Any])?.count == 4)
        #expect(candidate["avgLogprobs"] is Double)
        let usage = try #require(answer["usageMetadata"] as? [String: Any])
        #expect(usage["promptTokenCount"] as? Int == parsed.sim.promptTokens)
        #expect(usage["candidatesTokenCount"] as? Int == 4)
        #expect(usage["totalTokenCount"] as? Int == parsed.sim.promptTokens + 4)
        #expect((usage["promptTokensDetails"] as? [[String: Any]])?.first?["modality"] as? String == "TEXT")
        #expect((usage["candidatesTokensDetails"] as? [[String: Any]])?.first?["tokenCount"] as? Int == 4)
        #expect(answer["modelVersion"] as? String == "gemini-1.5-pro")
        #expect((answer["responseId"] as? String)?.isEmpty == false)
        let created = try #require(answer["createTime"] as? String)
        #expect(created.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/) != nil)
    }

    @Test func aCappedAnswerEndsWithMaxTokensAndEveryCandidateIsCounted() throws {
        let parsed = try parse(.vertexGenerate, #"{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"maxOutputTokens":3,"candidateCount":2}}"#).get()
        let answer = try body(vertex.render(parsed, schedule: Schedule(completionTokens: 3)))
        let candidates = try #require(answer["candidates"] as? [[String: Any]])
        #expect(candidates.count == 2)
        #expect(candidates.allSatisfy { $0["finishReason"] as? String == "MAX_TOKENS" })
        #expect(candidates[1]["index"] as? Int == 1)
        #expect((answer["usageMetadata"] as? [String: Any])?["candidatesTokenCount"] as? Int == 6)
    }

    @Test func theSSEStreamHasOnePacedChunkPerTokenAndUsageOnlyInTheLast() throws {
        let parsed = try parse(.vertexStream, Self.hello, query: "alt=sse").get()
        let reply = vertex.render(parsed, schedule: Schedule(completionTokens: 5))
        #expect(reply.headers.first?.1 == "text/event-stream")
        let events = try events(reply)
        #expect(events.count == 5)
        #expect(events.filter(\.paced).count == 5)
        var text = ""
        for (i, event) in events.enumerated() {
            let frame = String(decoding: event.bytes, as: UTF8.self)
            #expect(frame.hasPrefix("data: ") && frame.hasSuffix("\r\n\r\n"))
            let chunk = try json(Array(event.bytes.dropFirst(6).dropLast(4)))
            let candidate = try #require((chunk["candidates"] as? [[String: Any]])?.first)
            text += ((candidate["content"] as? [String: Any])?["parts"] as? [[String: Any]])?.first?["text"] as? String ?? ""
            let usage = try #require(chunk["usageMetadata"] as? [String: Any])
            if i < 4 {
                #expect(candidate["finishReason"] == nil)
                #expect(usage["candidatesTokenCount"] == nil)
            } else {
                #expect(candidate["finishReason"] as? String == "STOP")
                #expect(usage["candidatesTokenCount"] as? Int == 5)
                #expect(usage["totalTokenCount"] as? Int == parsed.sim.promptTokens + 5)
            }
        }
        #expect(text == "Lorem ipsum dolor sit amet,")
        #expect(!events.contains { String(decoding: $0.bytes, as: UTF8.self).contains("[DONE]") })
    }

    @Test func withoutAltSSEtheStreamIsOneJSONArrayWrittenElementByElement() throws {
        let parsed = try parse(.vertexStream, Self.hello).get()
        let events = try events(vertex.render(parsed, schedule: Schedule(completionTokens: 3)))
        #expect(events.map(\.paced) == [true, true, true, false])
        let whole = events.flatMap(\.bytes)
        #expect(whole.first == UInt8(ascii: "["))
        #expect(String(decoding: events[1].bytes, as: UTF8.self).hasPrefix(",\r\n{"))
        let array = try #require(JSONSerialization.jsonObject(with: Data(whole)) as? [[String: Any]])
        #expect(array.count == 3)
    }

    @Test func anEmptyCompletionStillSendsOneFinalChunk() throws {
        let parsed = try parse(.vertexStream, Self.hello, query: "alt=sse").get()
        let events = try events(vertex.render(parsed, schedule: Schedule(completionTokens: 0)))
        #expect(events.count == 1)
        #expect(!events[0].paced)
    }

    @Test func geminiAPIChunksCarryThePromptCountAndTheIndex() throws {
        let parsed = try parse(.geminiStream, Self.hello, dialect: gemini, query: "alt=sse").get()
        let first = try events(gemini.render(parsed, schedule: Schedule(completionTokens: 2)))[0]
        let chunk = try json(Array(first.bytes.dropFirst(6).dropLast(4)))
        #expect((chunk["usageMetadata"] as? [String: Any])?["promptTokenCount"] as? Int == parsed.sim.promptTokens)
        #expect((chunk["candidates"] as? [[String: Any]])?.first?["index"] as? Int == 0)
        #expect(chunk["createTime"] == nil)
    }

    @Test func predictGivesDeterministicEmbeddingsOfTheAskedSize() throws {
        let parsed = try parse(
            .vertexEmbed,
            #"{"instances":[{"content":"a cat"},{"content":"a dog"},{"content":"a cat"}],"parameters":{"outputDimensionality":16}}"#
        ).get()
        #expect(parsed.sim.maxTokens == 0)
        let answer = try body(vertex.render(parsed, schedule: Schedule()))
        let predictions = try #require(answer["predictions"] as? [[String: Any]])
        let embeddings = predictions.map { $0["embeddings"] as! [String: Any] }
        let vectors = embeddings.map { $0["values"] as! [Double] }
        #expect(vectors.count == 3 && vectors.allSatisfy { $0.count == 16 })
        #expect(vectors[0] == vectors[2] && vectors[0] != vectors[1])
        let statistics = try #require(embeddings[0]["statistics"] as? [String: Any])
        #expect(statistics["token_count"] as? Int == 2)
        #expect(statistics["truncated"] as? Bool == false)
        #expect((answer["metadata"] as? [String: Any])?["billableCharacterCount"] as? Int == 15)
    }

    @Test func predictDefaultsTo768AndRefusesMoreThanTheModelHas() throws {
        let parsed = try parse(.vertexEmbed, #"{"instances":[{"content":"x"}]}"#).get()
        let values = try #require(((try body(vertex.render(parsed, schedule: Schedule()))["predictions"] as? [[String: Any]])?
            .first?["embeddings"] as? [String: Any])?["values"] as? [Double])
        #expect(values.count == 768)
        guard case .failure(let error) = parse(.vertexEmbed, #"{"instances":[{"content":"x"}],"parameters":{"outputDimensionality":4096}}"#)
        else { Issue.record("accepted"); return }
        #expect(error.status == 400)
    }

    @Test func geminiEmbedContentAndItsBatch() throws {
        let single = try parse(.geminiEmbed, #"{"content":{"parts":[{"text":"a cat"}]},"outputDimensionality":8}"#, dialect: gemini).get()
        let one = try body(gemini.render(single, schedule: Schedule()))
        #expect(((one["embedding"] as? [String: Any])?["values"] as? [Double])?.count == 8)
        let batchHead = RequestHead(
            method: "POST", path: "/v1beta/models/text-embedding-004:batchEmbedContents", endpoint: .geminiEmbed,
            captures: ["model": "text-embedding-004"], apiKey: "k")
        let batch = try gemini.parse(
            batchHead,
            body: Array(#"{"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"a cat"}]},"outputDimensionality":8},{"content":{"parts":[{"text":"b"}]}}]}"#.utf8))
        let many = try body(gemini.render(batch, schedule: Schedule()))
        let vectors = try #require((many["embeddings"] as? [[String: Any]])?.map { $0["values"] as! [Double] })
        #expect(vectors.count == 2)
        #expect(vectors[0] == (one["embedding"] as? [String: Any])?["values"] as? [Double])
    }

    @Test func countTokensAnswersInEachAPIsShape() throws {
        let parsed = try parse(.vertexCountTokens, #"{"contents":[{"role":"user","parts":[{"text":"sixteen  bytes!!"}]}]}"#).get()
        let counted = try body(vertex.render(parsed, schedule: Schedule()))
        #expect(counted["totalTokens"] as? Int == 5)
        #expect(counted["totalBillableCharacters"] as? Int == 20)
        #expect((counted["promptTokensDetails"] as? [[String: Any]])?.first?["tokenCount"] as? Int == 5)
        let wrapped = try parse(
            .geminiCountTokens, #"{"generateContentRequest":{"model":"models/m","contents":[{"parts":[{"text":"abcd"}]}]}}"#,
            dialect: gemini
        ).get()
        let geminiCount = try body(gemini.render(wrapped, schedule: Schedule()))
        #expect(geminiCount["totalTokens"] as? Int == 1)
        #expect(geminiCount["totalBillableCharacters"] == nil)
    }

    // MARK: Errors

    @Test(arguments: [
        (400, "INVALID_ARGUMENT"), (401, "UNAUTHENTICATED"), (403, "PERMISSION_DENIED"), (404, "NOT_FOUND"),
        (429, "RESOURCE_EXHAUSTED"), (500, "INTERNAL"), (503, "UNAVAILABLE"), (504, "DEADLINE_EXCEEDED"),
    ])
    func everyInjectedErrorUsesGooglesEnvelope(status: Int, name: String) throws {
        let reply = vertex.render(vertex.error(.injected(status: status, retryAfter: nil)))
        #expect(reply.status == status)
        #expect(!reply.headers.contains { $0.0 == "retry-after" })
        let error = try #require(try body(reply)["error"] as? [String: Any])
        #expect(error["code"] as? Int == status)
        #expect(error["status"] as? String == name)
        #expect((error["message"] as? String)?.isEmpty == false)
        #expect(error.count == 3)
    }

    @Test func stockErrorsUseGooglesEnvelope() throws {
        let notFound = try body(vertex.render(vertex.error(.notFound(method: "POST", path: "/nope"))))
        #expect((notFound["error"] as? [String: Any])?["status"] as? String == "NOT_FOUND")
        let wrongMethod = vertex.render(vertex.error(.methodNotAllowed(method: "GET", path: "/x", allowed: ["POST"])))
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers.contains { $0 == ("allow", "POST") })
        let tooLarge = try body(vertex.render(vertex.error(.bodyTooLarge(limit: 10))))
        #expect((tooLarge["error"] as? [String: Any])?["code"] as? Int == 413)
    }

    @Test func theOverloaded503AndUnauthenticated401SayWhatGoogleSays() throws {
        let overloaded = try body(vertex.render(vertex.error(.injected(status: 503, retryAfter: nil))))
        #expect((overloaded["error"] as? [String: Any])?["message"] as? String == "The model is overloaded. Please try again later.")
        let unauthenticated = try body(vertex.render(vertex.error(.injected(status: 401, retryAfter: nil))))
        #expect(((unauthenticated["error"] as? [String: Any])?["message"] as? String)?.hasPrefix("Request had invalid authentication credentials.") == true)
    }

    @Test func aRoutesResponseModelIsTheModelVersion() throws {
        var schedule = Schedule(completionTokens: 2)
        schedule.model = "gemini-1.5-pro-002"
        let reply = vertex.render(try parse(.vertexGenerate, Self.hello).get(), schedule: schedule)
        #expect(try body(reply)["modelVersion"] as? String == "gemini-1.5-pro-002")
    }

    /// `stream_error` halfway through a stream, as its script writes it.
    func failedStream(_ request: ParsedRequest, tokens: Int) -> [UInt8] {
        let plan = Plan.fault(.streamError, schedule: Schedule(completionTokens: tokens))
        return vertex.script(plan, for: request).transcript().bytes
    }

    @Test func anInStreamErrorIsAnSSEFrame() throws {
        let sse = try parse(.vertexStream, Self.hello, query: "alt=sse").get()
        let frames = String(decoding: failedStream(sse, tokens: 4), as: UTF8.self).components(separatedBy: "\r\n\r\n")
        let last = try #require(frames.dropLast().last)
        #expect(last.hasPrefix("data: {\"error\":{\"code\":500,"))
        _ = try json(Array(last.utf8.dropFirst(6)))
    }

    @Test(arguments: 0...4)
    func anInStreamErrorIsTheJSONArraysLastElementHoweverShortTheStream(tokens: Int) throws {
        let array = try parse(.vertexStream, Self.hello).get()
        let bytes = failedStream(array, tokens: tokens)
        let elements = try #require(JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
        #expect(elements.last?["error"] != nil)
        #expect(elements.count == tokens / 2 + 1)
    }

    @Test func aMalformedAnswerIsNotJSON() {
        let parsed = try! parse(.vertexGenerate, Self.hello).get()
        guard case .full(let bytes) = vertex.renderMalformed(parsed).body else { Issue.record("stream"); return }
        #expect((try? JSONSerialization.jsonObject(with: Data(bytes))) == nil)
    }
}
