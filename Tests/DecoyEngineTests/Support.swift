import DecoyProfile

@testable import DecoyEngine

/// A chat request costing `promptTokens` plus the route's fixed 10 completion tokens.
func chat(
    promptTokens: Int = 0, apiKey: Substring? = nil, model: String? = nil, forced: ErrorRule.Outcome? = nil
) -> SimRequest {
    SimRequest(endpoint: .openaiChat, model: model, promptTokens: promptTokens, apiKey: apiKey, forced: forced)
}

/// An engine with one chat route: fixed 10 completion tokens unless `behavior` says otherwise.
func engine(
    limit: Limit? = nil, errors: [ErrorRule] = [], seed: UInt64 = 42,
    behavior: Behavior = Behavior(completionTokens: .fixed(10)), replicas: Int = 1
) -> Engine {
    let route = Route(
        name: "chat", match: RouteMatch(endpoints: [.openaiChat]), behavior: behavior, limit: limit, errors: errors)
    return Engine(profile: Profile(name: "test", seed: seed, routes: [route]), replicas: replicas)
}

/// Nanoseconds in `seconds`.
func nanos(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }

/// Headers from a dictionary of lower-case names.
struct Headers: HeaderSource {
    var values: [String: String]
    init(_ values: [String: String]) { self.values = values }
    func first(_ name: String) -> String? { values[name.lowercased()] }
}

extension Plan {
    var isServe: Bool {
        if case .serve = self { true } else { false }
    }
    var rejection: Rejection? {
        if case .reject(let rejection) = self { rejection } else { nil }
    }
    var errorStatus: Int? {
        if case .error(let status, _, _) = self { status } else { nil }
    }
}

extension Engine {
    /// Sends `count` requests evenly spaced at `perSecond` from time 0; returns how many were served.
    func admitted(count: Int, perSecond: Double, request: SimRequest = chat()) -> Int {
        let step = 1e9 / perSecond
        var served = 0
        for index in 0..<count {
            if plan(request, headers: NoHeaders(), nowNanos: Int64((Double(index) * step).rounded())).isServe {
                served += 1
            }
        }
        return served
    }
}
