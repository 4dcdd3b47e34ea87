import DecoyProfile

/// The route table as hash lookups, built once when a profile loads, so the cost of finding a request's
/// route does not grow with the number of routes.
///
/// The rule stays "first match wins": the answer is always the lowest-index route whose `RouteMatch`
/// holds, exactly what walking `routes` in order gives (`Engine.scanState(for:headers:)`, kept as the
/// reference). The index only narrows which routes are tried:
///
/// - Each endpoint has its own table; a route naming endpoints is in theirs, a route naming none in all.
/// - Within an endpoint, each route is filed under one *key*, the first of these its match has: its exact
///   `model`; its whole path, when the path pattern is literal; the literal segments its path pattern
///   starts with (`/v1/projects` for `/v1/projects/{project}/…`, `/custom` for `/custom/*`); its
///   `method`. A route with none of them (no condition but headers, or a pattern starting with a capture
///   or `/*`, or nothing at all) is on the endpoint's `scanned` list.
/// - A request looks up the lists its own model, path, path prefixes and method select, plus `scanned`.
///   Each list is in profile order; the first route of a list whose whole match holds (checked as the
///   scan checks it) is that list's answer, and the lowest of those answers wins. A list is abandoned at
///   the first route not below the best answer so far.
///
/// A key is a necessary condition of the match (a route filed under model `m` cannot hold for a request
/// of another model), so no route that holds is missed, and every candidate is checked in full, so none
/// that does not hold is taken. With one route per endpoint, a request is one array read and one `holds`:
/// no allocation, no hashing.
struct RouteIndex: Sendable {
    /// One table per `Endpoint`, in `Endpoint.allCases` order.
    private let tables: [Table]

    /// Routes filed by key for one endpoint, as it is being built. Every list holds route indices in
    /// increasing order.
    struct Filing {
        var scanned: [Int] = []
        var byModel: [String: [Int]] = [:]
        var byPath: [Substring: [Int]] = [:]
        /// Literal leading segments, grouped by how many segments they are, fewest first.
        var byPrefix: [(segments: Int, lists: [Substring: [Int]])] = []
        var byMethod: [String: [Int]] = [:]

        mutating func file(_ index: Int, under key: Key) {
            switch key {
            case .scanned: scanned.append(index)
            case .model(let model): byModel[model, default: []].append(index)
            case .path(let path): byPath[path, default: []].append(index)
            case .prefix(let segments, let prefix):
                if let at = byPrefix.firstIndex(where: { $0.segments == segments }) {
                    byPrefix[at].lists[prefix, default: []].append(index)
                } else {
                    byPrefix.append((segments, [prefix: [index]]))
                    byPrefix.sort { $0.segments < $1.segments }
                }
            case .method(let method): byMethod[method, default: []].append(index)
            }
        }
    }

    /// One endpoint's filing, frozen: a class, so reading it for a request is one reference.
    final class Table: Sendable {
        let scanned: [Int]
        let byModel: [String: [Int]]
        let byPath: [Substring: [Int]]
        let byPrefix: [(segments: Int, lists: [Substring: [Int]])]
        let byMethod: [String: [Int]]

        init(_ filing: Filing) {
            scanned = filing.scanned
            byModel = filing.byModel
            byPath = filing.byPath
            byPrefix = filing.byPrefix
            byMethod = filing.byMethod
        }
    }

    /// What a route is filed under within an endpoint's table.
    enum Key: Equatable {
        case scanned
        case model(String)
        case path(Substring)
        case prefix(segments: Int, Substring)
        case method(String)
    }

    init(_ matches: [RouteMatch]) {
        for (offset, endpoint) in Endpoint.allCases.enumerated() {
            precondition(Self.slot(of: endpoint) == offset, "Endpoint's cases are not laid out in allCases order")
        }
        var tables = [Filing](repeating: Filing(), count: Endpoint.allCases.count)
        for (index, match) in matches.enumerated() {
            let key = Self.key(of: match)
            if match.endpoints.isEmpty {
                for slot in tables.indices { tables[slot].file(index, under: key) }
            } else {
                var seen = Set<Endpoint>()
                for endpoint in match.endpoints where seen.insert(endpoint).inserted {
                    tables[Self.slot(of: endpoint)].file(index, under: key)
                }
            }
        }
        self.tables = tables.map(Table.init)
    }

    /// The key a route is filed under: the first literal condition its match has.
    static func key(of match: RouteMatch) -> Key {
        if let model = match.model { return .model(model) }
        if let pattern = match.path, pattern.text.utf8.allSatisfy({ $0 < 0x80 }) {
            if pattern.isLiteral { return .path(Substring(pattern.text)) }
            // The pattern's text up to the slash that ends its literal leading segments, if it has any.
            let leading = pattern.literalLeadingSegments
            let utf8 = pattern.text.utf8
            var slashes = 0
            if leading > 0, let end = utf8.indices.first(where: { position in
                guard utf8[position] == UInt8(ascii: "/") else { return false }
                defer { slashes += 1 }
                return slashes == leading
            }) {
                return .prefix(segments: leading, pattern.text[..<end])
            }
        }
        if let method = match.method { return .method(method) }
        return .scanned
    }

    /// The lowest index among `states` whose match holds for the request, or `nil`; `states` are the routes
    /// in profile order, the ones whose matches the index was built from.
    func first<H: HeaderSource>(for request: SimRequest, headers: H, in states: [RouteState]) -> Int? {
        let table = tables[Self.slot(of: request.endpoint)]
        var best = Int.max
        Self.try(table.scanned, request, headers, states, &best)
        if !table.byModel.isEmpty, let model = request.model, let list = table.byModel[model] {
            Self.try(list, request, headers, states, &best)
        }
        if !table.byPath.isEmpty, let list = table.byPath[request.path] {
            Self.try(list, request, headers, states, &best)
        }
        if !table.byPrefix.isEmpty { Self.tryPrefixes(table.byPrefix, request, headers, states, &best) }
        if !table.byMethod.isEmpty, let list = table.byMethod[request.method] {
            Self.try(list, request, headers, states, &best)
        }
        return best == Int.max ? nil : best
    }

    /// The table position of an endpoint: its place in `Endpoint.allCases`, without hashing.
    @inline(__always)
    private static func slot(of endpoint: Endpoint) -> Int {
        // `Endpoint` is a String-backed enum whose cases are declared in `allCases` order.
        Int(unsafeBitCast(endpoint, to: UInt8.self))
    }

    /// Lowers `best` to the first route of `list` below it whose match holds.
    @inline(__always)
    private static func `try`<H: HeaderSource>(
        _ list: [Int], _ request: SimRequest, _ headers: H, _ states: [RouteState], _ best: inout Int
    ) {
        for index in list {
            if index >= best { return }
            if states[index].match.holds(for: request, headers: headers) {
                best = index
                return
            }
        }
    }

    /// Tries the prefix lists the request's path selects: its first n segments, for each n filed.
    private static func tryPrefixes<H: HeaderSource>(
        _ groups: [(segments: Int, lists: [Substring: [Int]])], _ request: SimRequest, _ headers: H,
        _ states: [RouteState], _ best: inout Int
    ) {
        let path = request.path
        let utf8 = path.utf8
        guard utf8.first == UInt8(ascii: "/") else { return }
        var group = 0
        var slashes = 0
        var position = utf8.startIndex
        // Walk the path's slashes; at the end of its n-th segment (the (n+1)-th slash, or the end of the
        // path), look the prefix up in the group for n segments.
        while group < groups.count {
            let end: String.Index
            if position == utf8.endIndex {
                end = position
            } else if utf8[position] == UInt8(ascii: "/") {
                end = position
            } else {
                position = utf8.index(after: position)
                continue
            }
            // `end` is a slash or the path's end: what lies before it is `slashes` segments.
            if slashes == groups[group].segments {
                if let list = groups[group].lists[path[..<end]] { Self.try(list, request, headers, states, &best) }
                group += 1
            }
            if position == utf8.endIndex { return }
            slashes += 1
            position = utf8.index(after: position)
        }
    }
}
