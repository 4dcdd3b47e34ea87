import DecoyProfile
import Testing

@testable import DecoyEngine

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Error rules, seeds and forced faults.
struct EngineTests {
    let status500 = ErrorRule.Outcome.status(500, retryAfter: nil)

    private func statuses(_ engine: Engine, count: Int) -> [Int?] {
        (0..<count).map { _ in engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).errorStatus }
    }

    @Test func firstRuleFiresExactlyOnTheFirstTwoRequests() {
        let engine = engine(errors: [ErrorRule(trigger: .first(2), outcome: status500)])
        let fired = statuses(engine, count: 10).map { $0 == 500 }
        #expect(fired == [true, true] + Array(repeating: false, count: 8))
    }

    @Test func everyRuleFiresOnEveryThirdRequest() {
        let engine = engine(errors: [ErrorRule(trigger: .every(3), outcome: status500)])
        let fired = statuses(engine, count: 12).enumerated().filter { $0.element == 500 }.map { $0.offset + 1 }
        #expect(fired == [3, 6, 9, 12])
    }

    @Test func rateRuleFiresAtItsRateWithinFourSigma() {
        let n = 20_000.0
        let p = 0.10
        let engine = engine(errors: [ErrorRule(trigger: .rate(p), outcome: status500)], seed: 11)
        let fired = Double(statuses(engine, count: Int(n)).filter { $0 == 500 }.count)
        #expect(abs(fired - n * p) <= 4 * (n * p * (1 - p)).squareRoot())
    }

    @Test func rulesAreTriedInOrderAndTheFirstThatFiresWins() throws {
        let engine = engine(errors: [
            ErrorRule(trigger: .first(1), outcome: .status(503, retryAfter: 2)),
            ErrorRule(trigger: .every(1), outcome: status500),
        ])
        let first = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0)
        guard case .error(503, let retryAfter, _) = first else {
            Issue.record("expected a 503, got \(first)")
            return
        }
        #expect(retryAfter == 2)
        #expect(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).errorStatus == 500)
    }

    @Test func faultRuleGivesAFaultPlan() {
        let engine = engine(errors: [ErrorRule(trigger: .every(1), outcome: .fault(.truncate))])
        guard case .fault(.truncate, _) = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0) else {
            Issue.record("expected a truncate fault")
            return
        }
    }

    private func firstBytes(seed: UInt64) -> [Int64] {
        let behavior = Behavior(
            firstByte: .lognormal(mu: log(0.05), sigma: 0.9), completionTokens: .uniform(min: 1, max: 100))
        let engine = engine(seed: seed, behavior: behavior)
        return (0..<200).map { _ in engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule!.firstByteNanos }
    }

    @Test func sameSeedReplaysTheSamePlans() {
        #expect(firstBytes(seed: 7) == firstBytes(seed: 7))
    }

    @Test func differentSeedsGiveDifferentPlans() {
        #expect(firstBytes(seed: 7) != firstBytes(seed: 8))
    }

    @Test func forcedOutcomeWinsOverLimitsAndRules() {
        let engine = engine(
            limit: Limit(rpm: 60, burst: .count(1)),
            errors: [ErrorRule(trigger: .every(1), outcome: status500)])
        _ = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0)
        #expect(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).rejection != nil)
        let forced = engine.plan(chat(forced: .fault(.reset)), headers: NoHeaders(), nowNanos: 0)
        guard case .fault(.reset, let schedule) = forced else {
            Issue.record("expected the forced reset, got \(forced)")
            return
        }
        #expect(schedule.lease == nil)
        let status = engine.plan(chat(forced: .status(429, retryAfter: 3)), headers: NoHeaders(), nowNanos: 0)
        #expect(status.errorStatus == 429)
    }

    @Test func completionTokensAreCappedByMaxTokens() throws {
        let engine = engine(behavior: Behavior(completionTokens: .fixed(50)))
        var request = chat()
        request.maxTokens = 7
        #expect(engine.plan(request, headers: NoHeaders(), nowNanos: 0).schedule?.completionTokens == 7)
    }

    @Test func longTailedDrawsSaturateInsteadOfTrapping() {
        // e^(8.6 × 10) seconds overflows Int64 nanoseconds; the plan holds it at 10^18.
        let wild = Distribution.lognormal(mu: 0, sigma: 10)
        let engine = engine(behavior: Behavior(firstByte: wild, perToken: wild, completionTokens: wild))
        for _ in 0..<2000 {
            var schedule = engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).schedule!
            #expect(schedule.firstByteNanos >= 0 && schedule.firstByteNanos <= 1_000_000_000_000_000_000)
            #expect(schedule.gaps.nextNanos() >= 0)
        }
    }

    @Test func unmatchedRequestsFallToTheDefaults() {
        let engine = engine(limit: Limit(rpm: 60, burst: .count(1)))
        let embeddings = SimRequest(endpoint: .openaiEmbeddings)
        #expect(engine.routeName(for: embeddings, headers: NoHeaders()) == "default")
        for _ in 0..<5 { #expect(engine.plan(embeddings, headers: NoHeaders(), nowNanos: 0).isServe) }
    }
}
