import DecoyProfile
import Testing

@testable import DecoyEngine

/// The route index against the plain ordered scan: the same route for every request.
struct RouteIndexTests {
    /// Random profiles × random requests from small vocabularies (so conditions collide), with a fixed seed:
    /// the index and `Engine.scanState` must pick the same route, the fallback included.
    @Test func indexPicksWhatTheOrderedScanPicks() throws {
        var rng = SplitMix64(seed: 0x5EED_0019)
        let profiles = 2_500
        let requestsPerProfile = 48
        var pairs = 0
        var disagreements = 0
        var fallbacks = 0
        var wins: [String: Int] = [:]
        for profileNumber in 0..<profiles {
            let routes = (0..<Int(rng.next() % 40)).map { Self.randomRoute(number: $0, using: &rng) }
            let engine = Engine(profile: Profile(name: "p\(profileNumber)", seed: 1, routes: routes))
            for _ in 0..<requestsPerProfile {
                let (request, headers) = Self.randomRequest(using: &rng)
                let indexed = engine.state(for: request, headers: headers)
                let scanned = engine.scanState(for: request, headers: headers)
                pairs += 1
                if indexed.index != scanned.index {
                    disagreements += 1
                    if disagreements <= 5 {
                        Issue.record(
                            "index picked \(indexed.route.name), the scan \(scanned.route.name), for \(request.endpoint) \(request.method) \(request.path) model \(request.model ?? "-") \(headers.values) in \(routes.map(\.match))"
                        )
                    }
                }
                if scanned.index == routes.count {
                    fallbacks += 1
                } else {
                    wins["\(RouteIndex.key(of: scanned.match).kind)", default: 0] += 1
                }
            }
        }
        print("RouteIndexTests: \(pairs) pairs, \(disagreements) disagreements, \(fallbacks) fell back; winners by key: \(wins.sorted { $0.key < $1.key })")
        #expect(pairs >= 100_000)
        #expect(disagreements == 0)
        // Every kind of key, and the fallback, was exercised.
        #expect(fallbacks > 1_000)
        for kind in ["scanned", "model", "path", "prefix", "method"] { #expect(wins[kind, default: 0] > 500, "\(kind)") }
    }

    @Test func firstMatchWinsAcrossKeys() {
        let routes = [
            Route(name: "by-header", match: RouteMatch(endpoints: [.openaiChat], headers: [.init(name: "x-a", value: "1")]), behavior: Behavior()),
            Route(name: "by-model", match: RouteMatch(endpoints: [.openaiChat], model: "m"), behavior: Behavior()),
            Route(name: "by-path", match: RouteMatch(path: try! PathPattern("/v1/chat/completions")), behavior: Behavior()),
            Route(name: "by-prefix", match: RouteMatch(path: try! PathPattern("/v1/*")), behavior: Behavior()),
            Route(name: "by-method", match: RouteMatch(method: "POST"), behavior: Behavior()),
            Route(name: "any-chat", match: RouteMatch(endpoints: [.openaiChat]), behavior: Behavior()),
        ]
        let engine = Engine(profile: Profile(name: "order", routes: routes))
        func name(_ request: SimRequest, _ headers: [String: String] = [:]) -> String {
            engine.routeName(for: request, headers: Headers(headers))
        }
        let chat = SimRequest(endpoint: .openaiChat, path: "/v1/chat/completions", model: "m")
        #expect(name(chat, ["x-a": "1"]) == "by-header")
        #expect(name(chat) == "by-model")
        #expect(name(SimRequest(endpoint: .openaiChat, path: "/v1/chat/completions", model: "n")) == "by-path")
        #expect(name(SimRequest(endpoint: .openaiChat, path: "/v1", model: "n")) == "by-prefix")
        #expect(name(SimRequest(endpoint: .openaiChat, path: "/v2/x")) == "by-method")
        #expect(name(SimRequest(endpoint: .openaiChat, method: "GET", path: "/v2/x")) == "any-chat")
        #expect(name(SimRequest(endpoint: .anthropicMessages, method: "GET", path: "/v2/x")) == "default")
    }

    @Test func keysAreTheFirstLiteralCondition() throws {
        #expect(RouteIndex.key(of: RouteMatch(path: try PathPattern("/a/b"), model: "m")) == .model("m"))
        #expect(RouteIndex.key(of: RouteMatch(path: try PathPattern("/a/b"), method: "GET")) == .path("/a/b"))
        #expect(RouteIndex.key(of: RouteMatch(path: try PathPattern("/a/b/*"))) == .prefix(segments: 2, "/a/b"))
        #expect(RouteIndex.key(of: RouteMatch(path: try PathPattern("/v1/p/{p}/m/{m}:x"))) == .prefix(segments: 2, "/v1/p"))
        #expect(RouteIndex.key(of: RouteMatch(path: try PathPattern("/v1/x{p}/m"), method: "GET")) == .prefix(segments: 1, "/v1"))
        #expect(RouteIndex.key(of: RouteMatch(path: try PathPattern("/{p}/m"), method: "GET")) == .method("GET"))
        #expect(RouteIndex.key(of: RouteMatch(path: try PathPattern("/*"))) == .scanned)
        #expect(RouteIndex.key(of: RouteMatch(endpoints: [.openaiChat], headers: [.init(name: "x", value: "1")])) == .scanned)
    }

    // MARK: - generators

    static let endpoints: [Endpoint] = [.openaiChat, .anthropicMessages, .vertexGenerate, .openaiModels]
    /// Two spellings of "é" (precomposed and combining), equal as Swift strings: hashing must agree with `==`.
    static let models = ["a", "b", "gpt-4o", "\u{E9}", "e\u{301}"]
    static let methods = ["GET", "POST", "PUT"]
    static let segments = ["v1", "projects", "p", "models", "m:gen", "", "\u{E9}"]
    static let patterns = [
        "/v1/projects/p", "/v1", "/", "/v1/*", "/v1/projects/*", "/*", "/v1/projects/{project}/models/{model}:gen",
        "/v1/{a}", "/{a}/projects", "/v1/x{a}", "/v1/projects/{a}/*", "/v1//*", "/models/m:gen", "/\u{E9}/*",
        "/v1/e\u{301}",
    ]

    static func pick<T>(_ values: [T], using rng: inout SplitMix64) -> T { values[Int(rng.next() % UInt64(values.count))] }
    static func chance(_ p: Double, using rng: inout SplitMix64) -> Bool { rng.unit() < p }

    static func randomRoute(number: Int, using rng: inout SplitMix64) -> Route {
        var match = RouteMatch()
        if chance(0.6, using: &rng) {
            match.endpoints = (0..<(1 + Int(rng.next() % 2))).map { _ in pick(endpoints, using: &rng) }
        }
        if chance(0.35, using: &rng) { match.model = pick(models, using: &rng) }
        if chance(0.35, using: &rng) { match.path = try! PathPattern(pick(patterns, using: &rng)) }
        if chance(0.25, using: &rng) { match.method = pick(methods, using: &rng) }
        if chance(0.2, using: &rng) {
            match.headers = (0..<(1 + Int(rng.next() % 2))).map { _ in
                .init(name: pick(["x-a", "X-B"], using: &rng), value: pick(["1", "2"], using: &rng))
            }
        }
        return Route(name: "r\(number)", match: match, behavior: Behavior())
    }

    static func randomPath(using rng: inout SplitMix64) -> Substring {
        if chance(0.02, using: &rng) { return "v1/no-leading-slash" }
        if chance(0.3, using: &rng) { return Substring(pick(patterns, using: &rng).replacingOccurrences("{project}", "p")) }
        let depth = Int(rng.next() % 5)
        return Substring("/" + (0..<depth).map { _ in pick(segments, using: &rng) }.joined(separator: "/"))
    }

    static func randomRequest(using rng: inout SplitMix64) -> (SimRequest, Headers) {
        let request = SimRequest(
            endpoint: chance(0.9, using: &rng) ? pick(endpoints, using: &rng) : pick(Endpoint.allCases, using: &rng),
            method: pick(methods, using: &rng), path: randomPath(using: &rng),
            model: chance(0.8, using: &rng) ? pick(models, using: &rng) : nil)
        var headers: [String: String] = [:]
        for name in ["x-a", "x-b"] where chance(0.5, using: &rng) { headers[name] = pick(["1", "2"], using: &rng) }
        return (request, Headers(headers))
    }
}

extension RouteIndex.Key {
    /// The key's kind, for counting.
    var kind: String {
        switch self {
        case .scanned: "scanned"
        case .model: "model"
        case .path: "path"
        case .prefix: "prefix"
        case .method: "method"
        }
    }
}

extension String {
    /// `self` with every `target` replaced (Foundation-free).
    fileprivate func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
