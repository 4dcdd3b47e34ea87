import DecoyEngine
import DecoyProfile
import Foundation
import Testing

@testable import DecoyProviders

/// What each plan becomes, checked on the script alone: no channel, no clock.
@Suite struct ResponseScriptTests {
    let dialect = OpenAIDialect()

    func request(stream: Bool) throws -> ParsedRequest {
        let body = #"{"model":"gpt-4o","stream":\#(stream),"messages":[{"role":"user","content":"hi"}]}"#
        return try dialect.parse(RequestHead(method: "POST", path: "/v1/chat/completions", endpoint: .openaiChat), body: Array(body.utf8))
    }

    func schedule(firstByte: Int64 = 0, perToken: Double = 0, tokens: Int = 4) -> Schedule {
        var schedule = Schedule(firstByteNanos: firstByte, completionTokens: tokens, gaps: GapSampler(distribution: .fixed(perToken)))
        schedule.routeIndex = 3
        return schedule
    }

    @Test func aServedBodyWaitsForFirstBytePlusEveryTokenAndIsTimed() throws {
        let script = dialect.script(.serve(schedule(firstByte: 50_000_000, perToken: 0.01, tokens: 4)), for: try request(stream: false))
        #expect(script.status == 200)
        #expect(script.delayNanos == 90_000_000)
        #expect(script.record == .init(.admitted, status: 200, routeIndex: 3, timed: true))
        #expect(script.processingTimeHeader?.description == "openai-processing-ms")
        let (bytes, cut) = script.transcript()
        #expect(!cut)
        #expect((try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])?["object"] as? String == "chat.completion")
    }

    @Test func aServedStreamWaitsForTheFirstByteOnlyAndPacesItsTokens() throws {
        let script = dialect.script(.serve(schedule(firstByte: 50_000_000, perToken: 0.01, tokens: 4)), for: try request(stream: true))
        #expect(script.delayNanos == 50_000_000)
        guard case .stream(let events, var gaps) = script.delivery else { Issue.record("not a stream"); return }
        #expect(events.pacedEvents == 4)
        #expect(gaps.nextNanos() == 10_000_000)
        #expect(String(decoding: script.transcript().bytes, as: UTF8.self).hasSuffix("data: [DONE]\n\n"))
    }

    @Test func aRejectionIsThe429AtOnce() throws {
        let rejection = Rejection(kind: .requests, retryAfter: 2.5, quota: QuotaStatus(limitRequests: 60), routeName: "r")
        var indexed = rejection
        indexed.routeIndex = 2
        let script = dialect.script(.reject(indexed), for: try request(stream: false))
        #expect(script.status == 429 && script.delayNanos == 0)
        #expect(script.headers.contains { $0.0 == "retry-after" && $0.1 == "3" })
        #expect(script.record == .init(.refused, status: 429, routeIndex: 2))
    }

    @Test func anInjectedErrorWaitsForTheFirstByte() throws {
        let script = dialect.script(
            .error(status: 503, retryAfter: nil, schedule: schedule(firstByte: 7_000_000)), for: try request(stream: true))
        #expect(script.status == 503 && script.delayNanos == 7_000_000)
        #expect(script.record == .init(.errored, status: 503, routeIndex: 3))
        guard case .body = script.delivery else { Issue.record("not a body"); return }
    }

    @Test func resetAndStallSendNothing() throws {
        for (fault, special) in [(Fault.reset, ResponseScript.Record.Special.reset), (.stall, .stall)] {
            let script = dialect.script(.fault(fault, schedule: schedule()), for: try request(stream: false))
            #expect(script.record == .init(.faulted, status: 0, special: special, routeIndex: 3))
            #expect(script.transcript() == ([], true))
        }
    }

    @Test func truncateCutsAStreamAfterHalfItsTokensAndABodyAtHalfItsBytes() throws {
        let stream = dialect.script(.fault(.truncate, schedule: schedule(tokens: 6)), for: try request(stream: true))
        #expect(stream.ending == .cut(afterPaced: 3))
        let text = String(decoding: stream.transcript().bytes, as: UTF8.self)
        #expect(text.occurrences(of: #""delta":{"content":"#) == 3 && !text.contains("[DONE]"))
        let body = dialect.script(.fault(.truncate, schedule: schedule(tokens: 6)), for: try request(stream: false))
        guard case .body(let whole) = body.delivery else { Issue.record("not a body"); return }
        #expect(body.transcript().bytes.count == whole.count / 2 && body.transcript().cut)
    }

    @Test func streamErrorEndsAStreamWithTheProvidersFrameAndABodyWithA500() throws {
        let stream = dialect.script(.fault(.streamError, schedule: schedule(tokens: 6)), for: try request(stream: true))
        #expect(stream.ending == .inBandError(afterPaced: 3))
        let (bytes, cut) = stream.transcript()
        #expect(!cut && String(decoding: bytes, as: UTF8.self).hasSuffix("\n\n") && !String(decoding: bytes, as: UTF8.self).contains("[DONE]"))
        let body = dialect.script(.fault(.streamError, schedule: schedule()), for: try request(stream: false))
        #expect(body.status == 500 && body.record == .init(.faulted, status: 500, routeIndex: 3))
    }
}

extension String {
    fileprivate func occurrences(of needle: String) -> Int {
        components(separatedBy: needle).count - 1
    }
}
