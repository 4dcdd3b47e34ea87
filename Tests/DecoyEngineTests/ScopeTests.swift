import DecoyProfile
import Testing

@testable import DecoyEngine

/// `per:` scopes: a bucket per distinct value, in a bounded registry.
struct ScopeTests {
    let oneAMinute = Limit(rpm: 60, burst: .count(1), per: [.apiKey])

    @Test func keepsABucketPerApiKey() {
        let engine = engine(limit: oneAMinute)
        #expect(engine.plan(chat(apiKey: "a"), headers: NoHeaders(), nowNanos: 0).isServe)
        #expect(engine.plan(chat(apiKey: "a"), headers: NoHeaders(), nowNanos: 0).rejection != nil)
        #expect(engine.plan(chat(apiKey: "b"), headers: NoHeaders(), nowNanos: 0).isServe)
    }

    @Test func requestsWithoutTheValueShareTheirOwnBucket() {
        let engine = engine(limit: oneAMinute)
        #expect(engine.plan(chat(apiKey: "a"), headers: NoHeaders(), nowNanos: 0).isServe)
        #expect(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).isServe)
        #expect(engine.plan(chat(), headers: NoHeaders(), nowNanos: 0).rejection != nil)
    }

    @Test func keepsABucketPerHeaderValue() {
        let engine = engine(limit: Limit(rpm: 60, burst: .count(1), per: [.header("x-tenant")]))
        let red = Headers(["x-tenant": "red"])
        #expect(engine.plan(chat(), headers: red, nowNanos: 0).isServe)
        #expect(engine.plan(chat(), headers: red, nowNanos: 0).rejection != nil)
        #expect(engine.plan(chat(), headers: Headers(["x-tenant": "blue"]), nowNanos: 0).isServe)
    }

    @Test func severalScopesKeepABucketPerCombination() {
        let engine = engine(limit: Limit(rpm: 60, burst: .count(1), per: [.apiKey, .model]))
        #expect(engine.plan(chat(apiKey: "a", model: "m"), headers: NoHeaders(), nowNanos: 0).isServe)
        #expect(engine.plan(chat(apiKey: "a", model: "n"), headers: NoHeaders(), nowNanos: 0).isServe)
        #expect(engine.plan(chat(apiKey: "b", model: "m"), headers: NoHeaders(), nowNanos: 0).isServe)
        #expect(engine.plan(chat(apiKey: "a", model: "m"), headers: NoHeaders(), nowNanos: 0).rejection != nil)
    }

    @Test func scopeKeysReadEachScope() {
        var request = chat(apiKey: "k", model: "m")
        request.project = "p"
        let key = RouteLimiter.key(
            [.apiKey, .model, .project, .header("x-team")], request, Headers(["x-team": "t"]))
        #expect(key == "k\u{1F}m\u{1F}p\u{1F}t")
        #expect(RouteLimiter.key([.project], chat(), NoHeaders()) == "-")
    }

    @Test func unscopedRouteHasNoRegistry() {
        #expect(RouteLimiter(limit: Limit(rpm: 60)).registry == nil)
        #expect(RouteLimiter(limit: oneAMinute).registry != nil)
    }

    @Test func fullRegistrySendsNewKeysToOneSharedOverflowBucket() {
        let limiter = RouteLimiter(limit: oneAMinute, registryCapacity: 2)
        #expect(limiter.admit(chat(apiKey: "a"), headers: NoHeaders(), tokens: 0, nowNanos: 0).isAdmitted)
        #expect(limiter.admit(chat(apiKey: "b"), headers: NoHeaders(), tokens: 0, nowNanos: 0).isAdmitted)
        // Full of busy keys: "c" and "d" share the overflow bucket, which holds one request.
        #expect(limiter.admit(chat(apiKey: "c"), headers: NoHeaders(), tokens: 0, nowNanos: 0).isAdmitted)
        #expect(!limiter.admit(chat(apiKey: "d"), headers: NoHeaders(), tokens: 0, nowNanos: 0).isAdmitted)
        #expect(limiter.registry?.count == 2)
    }

    @Test func fullRegistrySweepsIdleKeysForNewOnes() {
        let limiter = RouteLimiter(limit: oneAMinute, registryCapacity: 2)
        _ = limiter.admit(chat(apiKey: "a"), headers: NoHeaders(), tokens: 0, nowNanos: 0)
        _ = limiter.admit(chat(apiKey: "b"), headers: NoHeaders(), tokens: 0, nowNanos: 0)
        // At 2 s both buckets are full again, so dropping them changes nothing.
        #expect(limiter.admit(chat(apiKey: "c"), headers: NoHeaders(), tokens: 0, nowNanos: nanos(2)).isAdmitted)
        #expect(limiter.registry?.count == 1)
        #expect(!limiter.admit(chat(apiKey: "c"), headers: NoHeaders(), tokens: 0, nowNanos: nanos(2)).isAdmitted)
        #expect(limiter.admit(chat(apiKey: "a"), headers: NoHeaders(), tokens: 0, nowNanos: nanos(2)).isAdmitted)
    }
}
