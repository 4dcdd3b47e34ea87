/// Builds a `Profile` from a YAML tree, checking it against the schema of `profiles/README.md`.
///
/// It reads on past every mistake and records each one at the node that holds it, so one run of
/// `decoy check` lists them all; the caller throws `ProfileErrors` when `errors` is not empty.
struct ProfileDecoder {
    let file: String
    private(set) var errors: [ProfileError] = []

    static let topKeys = ["name", "seed", "listen", "server", "defaults", "routes"]
    static let serverKeys = [
        "threads", "max_body_bytes", "max_header_bytes", "max_connections", "request_timeout", "idle_timeout",
        "drain_timeout",
    ]
    static let listenKeys = ["host", "port"]
    static let defaultsKeys = ["latency", "response"]
    static let latencyKeys = ["first_byte", "per_token"]
    static let responseKeys = ["completion_tokens", "content", "model"]
    static let routeKeys = ["name", "match", "latency", "response", "limit", "errors", "auth"]
    static let matchKeys = ["endpoint", "path", "method", "model", "headers"]

    /// Where a key that is not allowed in a route or in `defaults` belongs instead.
    static let sectionOfKey: [String: String] = {
        var sections: [String: String] = [:]
        for key in latencyKeys { sections[key] = "latency" }
        for key in responseKeys { sections[key] = "response" }
        for key in limitKeys { sections[key] = "limit" }
        for key in errorRuleKeys { sections[key] = "errors" }
        for key in matchKeys { sections[key] = "match" }
        return sections
    }()

    init(file: String) {
        self.file = file
    }

    /// Records one mistake at `node`.
    mutating func error(_ message: String, at node: YAMLNode) {
        errors.append(ProfileError(message, at: location(of: node)))
    }

    func location(of node: YAMLNode) -> SourceLocation {
        SourceLocation(file: file, line: node.line, column: node.column)
    }

    // MARK: Mappings

    /// A mapping's values by key, once its keys have been checked.
    struct Fields {
        let node: YAMLNode
        var entries: [String: YAMLNode.Entry] = [:]

        /// The value under `key` as written (possibly null), or `nil` when the key is absent.
        subscript(key: String) -> YAMLNode? { entries[key]?.value }

        /// The value under `key`, or `nil` when absent or null (an empty section means "none").
        func section(_ key: String) -> YAMLNode? {
            guard let value = entries[key]?.value, !value.isNull else { return nil }
            return value
        }

        /// The key node itself, for messages about the key.
        func keyNode(_ key: String) -> YAMLNode? { entries[key]?.key }
    }

    /// Checks that `node` is a mapping whose keys are all in `allowed`, each once; reports the rest.
    ///
    /// `context` names the mapping in messages ("in listen"); `hints` says where a misplaced key belongs.
    mutating func fields(
        of node: YAMLNode, _ context: String, allowed: [String], hints: [String: String] = [:]
    ) -> Fields? {
        guard case .mapping(let entries) = node.value else {
            error(
                "expected a mapping for \(context) (keys \(allowed.joined(separator: ", "))), "
                    + "found \(node.kindDescription)",
                at: node)
            return nil
        }
        var fields = Fields(node: node)
        for entry in entries {
            guard let key = entry.key.scalar else {
                error("a key in \(context) must be text, found \(entry.key.kindDescription)", at: entry.key)
                continue
            }
            if let first = fields.entries[key] {
                error("duplicate key '\(key)' in \(context) (first at line \(first.key.line))", at: entry.key)
                continue
            }
            guard allowed.contains(key) else {
                unknownKey(key, at: entry.key, context, allowed: allowed, hint: hints[key])
                continue
            }
            fields.entries[key] = entry
        }
        return fields
    }

    mutating func unknownKey(
        _ key: String, at node: YAMLNode, _ context: String, allowed: [String], hint: String? = nil
    ) {
        var message = "unknown key '\(key)' in \(context)"
        if let hint {
            message += "; it belongs under '\(hint)'"
        } else if let guess = Suggestion.closest(to: key, among: allowed) {
            message += "; did you mean '\(guess)'?"
        }
        message += " (allowed: \(allowed.joined(separator: ", ")))"
        error(message, at: node)
    }

    /// The items of a list; a single non-list value is reported.
    mutating func items(_ node: YAMLNode, _ what: String) -> [YAMLNode]? {
        guard case .sequence(let items) = node.value else {
            error("expected a list for '\(what)', found \(node.kindDescription)", at: node)
            return nil
        }
        return items
    }

    // MARK: The profile

    /// The profile in `root`; check `errors` before trusting it.
    mutating func decode(_ root: YAMLNode?) -> Profile {
        var profile = Profile(name: Self.baseName(of: file), source: file)
        guard let root else {
            errors.append(
                ProfileError(
                    "the profile is empty; expected a mapping with keys \(Self.topKeys.joined(separator: ", "))",
                    at: SourceLocation(file: file, line: 1, column: 1)))
            return profile
        }
        guard let top = fields(of: root, "the profile", allowed: Self.topKeys) else { return profile }

        if let node = top["name"], let name = nonEmptyText(node, "name") { profile.name = name }
        if let node = top["seed"], let seed = seed(node) { profile.seed = seed }
        if let node = top.section("listen") { profile.listen = listen(node) }
        if let node = top.section("server") { profile.server = server(node) }
        if let node = top.section("defaults"),
            let defaults = fields(
                of: node, "defaults", allowed: Self.defaultsKeys,
                hints: Self.sectionOfKey.filter {
                    Self.latencyKeys.contains($0.key) || Self.responseKeys.contains($0.key)
                })
        {
            profile.defaults = behavior(
                latency: defaults.section("latency"), response: defaults.section("response"), over: Behavior())
        }
        if let node = top.section("routes"), let items = items(node, "routes") {
            var seen: [String: YAMLNode] = [:]
            for item in items {
                if let route = route(item, defaults: profile.defaults, seen: &seen) { profile.routes.append(route) }
            }
        }
        return profile
    }

    private mutating func seed(_ node: YAMLNode) -> UInt64? {
        guard let text = node.scalar, !node.isNull, let value = UInt64(text) else {
            error("'seed' must be a whole number from 0 to \(UInt64.max), found \(node.kindDescription)", at: node)
            return nil
        }
        return value
    }

    private mutating func listen(_ node: YAMLNode) -> Profile.Listen {
        var listen = Profile.Listen()
        guard let fields = fields(of: node, "listen", allowed: Self.listenKeys) else { return listen }
        if let node = fields["host"], let host = nonEmptyText(node, "host") { listen.host = host }
        if let node = fields["port"], let port = integer(node, "port", in: 0...65535) { listen.port = port }
        return listen
    }

    private mutating func server(_ node: YAMLNode) -> Profile.Server {
        var server = Profile.Server()
        guard let fields = fields(of: node, "server", allowed: Self.serverKeys) else { return server }
        if let node = fields["threads"] { server.threads = integer(node, "threads", in: 1...1024) }
        if let node = fields["max_body_bytes"] { server.maxBodyBytes = integer(node, "max_body_bytes", in: 1...(1 << 30)) }
        if let node = fields["max_header_bytes"] {
            server.maxHeaderBytes = integer(node, "max_header_bytes", in: 256...(1 << 20))
        }
        if let node = fields["max_connections"] {
            server.maxConnections = integer(node, "max_connections", in: 1...10_000_000)
        }
        for (key, path) in [
            ("request_timeout", \Profile.Server.requestTimeout), ("idle_timeout", \.idleTimeout),
            ("drain_timeout", \.drainTimeout),
        ] {
            guard let node = fields[key], let seconds = duration(node, key) else { continue }
            if seconds <= 0 {
                error("'\(key)' must be longer than 0", at: node)
            } else {
                server[keyPath: path] = seconds
            }
        }
        return server
    }

    /// `base` with each key that `latency` or `response` sets replaced.
    mutating func behavior(latency: YAMLNode?, response: YAMLNode?, over base: Behavior) -> Behavior {
        var behavior = base
        if let latency, let fields = fields(of: latency, "latency", allowed: Self.latencyKeys) {
            if let node = fields["first_byte"], let value = distribution(node, .duration, "first_byte") {
                behavior.firstByte = value
            }
            if let node = fields["per_token"], let value = distribution(node, .duration, "per_token") {
                behavior.perToken = value
            }
        }
        if let response, let fields = fields(of: response, "response", allowed: Self.responseKeys) {
            if let node = fields["completion_tokens"], let value = distribution(node, .count, "completion_tokens") {
                behavior.completionTokens = value
            }
            if let node = fields["content"], let value = content(node) { behavior.content = value }
            if let node = fields["model"], let value = nonEmptyText(node, "model") { behavior.model = value }
        }
        return behavior
    }

    /// `lorem` and `echo` (plain) name generators; any other text, or a quoted keyword, is the text itself.
    private mutating func content(_ node: YAMLNode) -> Behavior.Content? {
        guard let text = nonEmptyText(node, "content") else { return nil }
        if case .scalar(_, quoted: false) = node.value {
            if text == "lorem" { return .lorem }
            if text == "echo" { return .echo }
        }
        return .fixed(text)
    }

    // MARK: Routes

    private mutating func route(_ node: YAMLNode, defaults: Behavior, seen: inout [String: YAMLNode]) -> Route? {
        guard
            let fields = fields(
                of: node, "a route", allowed: Self.routeKeys,
                hints: Self.sectionOfKey.filter { !Self.routeKeys.contains($0.key) })
        else { return nil }
        var name = ""
        if let node = fields["name"] {
            if let text = nonEmptyText(node, "name") {
                name = text
                if let first = seen[text] {
                    error("duplicate route name '\(text)' (first at line \(first.line))", at: node)
                } else {
                    seen[text] = node
                }
            }
        } else {
            error("a route needs a 'name'", at: node)
        }
        var match = RouteMatch()
        if let node = fields["match"] {
            match = self.match(node) ?? match
        } else {
            error(
                "route '\(name)' needs a 'match' (an endpoint id, a list of them, "
                    + "or a mapping of \(Self.matchKeys.joined(separator: ", ")))",
                at: node)
        }
        let behavior = behavior(
            latency: fields.section("latency"), response: fields.section("response"), over: defaults)
        var limit: Limit?
        if let node = fields.section("limit") { limit = self.limit(node) }
        var rules: [ErrorRule] = []
        if let node = fields.section("errors"), let items = items(node, "errors") {
            for item in items {
                if let rule = errorRule(item) { rules.append(rule) }
            }
        }
        var auth: Auth?
        if let node = fields.section("auth") { auth = self.auth(node) }
        return Route(
            name: name, match: match, behavior: behavior, limit: limit, errors: rules, auth: auth,
            location: location(of: node))
    }

    private mutating func match(_ node: YAMLNode) -> RouteMatch? {
        switch node.value {
        case .scalar, .sequence:
            guard let endpoints = endpoints(node) else { return nil }
            return RouteMatch(endpoints: endpoints)
        case .mapping:
            guard let fields = fields(of: node, "match", allowed: Self.matchKeys) else { return nil }
            guard !fields.entries.isEmpty else {
                error("'match' needs at least one of \(Self.matchKeys.joined(separator: ", "))", at: node)
                return nil
            }
            var match = RouteMatch()
            if let node = fields["endpoint"] { match.endpoints = endpoints(node) ?? [] }
            if let node = fields["path"], let text = text(node, "path") {
                do throws(PathPattern.PatternError) {
                    match.path = try PathPattern(text)
                } catch {
                    self.error("bad path pattern '\(text)': \(error.message)", at: node)
                }
            }
            if let node = fields["method"], let method = nonEmptyText(node, "method") {
                if method.allSatisfy({ $0.isASCII && $0.isLetter }) {
                    match.method = method.uppercased()
                } else {
                    error("'method' must be an HTTP method such as GET or POST, found '\(method)'", at: node)
                }
            }
            if let node = fields["model"], let model = nonEmptyText(node, "model") { match.model = model }
            if let node = fields["headers"] { match.headers = headers(node) }
            return match
        }
    }

    /// One endpoint id or a non-empty list of them.
    private mutating func endpoints(_ node: YAMLNode) -> [Endpoint]? {
        if node.isNull {
            error("expected an endpoint id or a list of them, found nothing", at: node)
            return nil
        }
        let list: [YAMLNode]
        switch node.value {
        case .scalar: list = [node]
        case .sequence(let items):
            guard !items.isEmpty else {
                error("the list of endpoints is empty", at: node)
                return nil
            }
            list = items
        case .mapping:
            error("expected an endpoint id or a list of them, found a mapping", at: node)
            return nil
        }
        var endpoints: [Endpoint] = []
        var ok = true
        for item in list {
            guard let id = text(item, "endpoint") else {
                ok = false
                continue
            }
            guard let endpoint = Endpoint(rawValue: id) else {
                let ids = Endpoint.allCases.map(\.rawValue)
                var message = "unknown endpoint '\(id)'"
                if let guess = Suggestion.closest(to: id, among: ids) { message += "; did you mean '\(guess)'?" }
                error(message + " (valid ids: \(ids.joined(separator: ", ")))", at: item)
                ok = false
                continue
            }
            endpoints.append(endpoint)
        }
        return ok ? endpoints : nil
    }

    private mutating func headers(_ node: YAMLNode) -> [RouteMatch.HeaderCondition] {
        guard case .mapping(let entries) = node.value else {
            error("expected a mapping of header name to value for 'headers', found \(node.kindDescription)", at: node)
            return []
        }
        var conditions: [RouteMatch.HeaderCondition] = []
        var seen: Set<String> = []
        for entry in entries {
            guard let name = nonEmptyText(entry.key, "header name") else { continue }
            guard seen.insert(name.lowercased()).inserted else {
                error("duplicate header '\(name)' in headers", at: entry.key)
                continue
            }
            guard let value = text(entry.value, "header '\(name)'") else { continue }
            conditions.append(RouteMatch.HeaderCondition(name: name, value: value))
        }
        return conditions
    }

    /// `prof` for `/some/dir/prof.yaml`, the default name of a profile.
    static func baseName(of path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        for suffix in [".yaml", ".yml"] where name.hasSuffix(suffix) && name.count > suffix.count {
            name.removeLast(suffix.count)
        }
        return name
    }
}
