import DecoyProfile
import DecoyProviders

/// Maps a method and path to the endpoint and dialect that answer it. Knows paths only: no JSON, no time.
struct Router: Sendable {
    /// What a request head routes to.
    enum Outcome: Sendable {
        case found(EndpointPath, captures: [String: Substring])
        case wrongMethod(any Dialect, allowed: [String])
        case notFound(any Dialect)
    }

    /// Keyed by `Substring` so a lookup does not copy the request's path into a `String`.
    private let exact: [Substring: [EndpointPath]]
    private let patterned: [EndpointPath]

    init(paths: [EndpointPath] = Catalog.paths) {
        var exact: [Substring: [EndpointPath]] = [:]
        var patterned: [EndpointPath] = []
        for entry in paths {
            if entry.pattern.isLiteral {
                exact[entry.pattern.text[...], default: []].append(entry)
            } else {
                patterned.append(entry)
            }
        }
        self.exact = exact
        self.patterned = patterned
    }

    func route(method: String, path: Substring) -> Outcome {
        var candidates: [EndpointPath] = []
        var captures: [String: Substring] = [:]
        if let entries = exact[path] {
            candidates = entries
        } else {
            for entry in patterned {
                guard let found = entry.pattern.match(path) else { continue }
                if candidates.isEmpty { captures = found }
                candidates.append(entry)
            }
        }
        guard let first = candidates.first else { return .notFound(Catalog.dialect(guessedFrom: path)) }
        // HEAD is GET without the body (RFC 9110 §9.3.2): it routes where GET does, and the Responder
        // drops the body.
        let wanted = method == "HEAD" ? "GET" : method
        if let hit = candidates.first(where: { $0.method == wanted }) { return .found(hit, captures: captures) }
        var allowed = candidates.map(\.method)
        if allowed.contains("GET"), !allowed.contains("HEAD") { allowed.append("HEAD") }
        return .wrongMethod(first.dialect, allowed: allowed)
    }

    /// Every path served, for the start-up listing: a path two providers share once for each.
    var listing: [(method: String, path: String, endpoint: Endpoint)] {
        Catalog.paths.flatMap { [$0] + $0.handovers.map(\.entry) }.map { ($0.method, $0.pattern.text, $0.endpoint) }
    }
}
