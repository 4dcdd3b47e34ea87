/// A route's `limit` and its `errors` rules.
extension ProfileDecoder {
    static let limitKeys = ["rpm", "tpm", "burst", "per", "concurrency", "queue", "retry_after"]
    static let errorRuleKeys = ["rate", "first", "every", "status", "fault", "retry_after"]
    static let scopeNames = ["api_key", "model", "project", "header:NAME"]

    mutating func limit(_ node: YAMLNode) -> Limit? {
        guard let fields = fields(of: node, "limit", allowed: Self.limitKeys) else { return nil }
        var limit = Limit()
        if let node = fields["rpm"] { limit.rpm = positiveNumber(node, "rpm") }
        if let node = fields["tpm"] { limit.tpm = positiveNumber(node, "tpm") }
        if let node = fields["burst"], let burst = burst(node) { limit.burst = burst }
        if let node = fields["per"] { limit.per = scopes(node) }
        if let node = fields["concurrency"] { limit.concurrency = integer(node, "concurrency", in: 1...Int.max) }
        if let node = fields["queue"] {
            if let queue = integer(node, "queue", in: 0...Int.max) { limit.queue = queue }
            if fields["concurrency"] == nil {
                error(
                    "'queue' holds requests waiting for a concurrency slot; it needs 'concurrency'",
                    at: fields.keyNode("queue") ?? node)
            }
        }
        if let node = fields["retry_after"], let policy = retryAfterPolicy(node) { limit.retryAfter = policy }
        if fields["rpm"] == nil, fields["tpm"] == nil, fields["concurrency"] == nil {
            error("a limit needs at least one of rpm, tpm or concurrency", at: node)
            return nil
        }
        return limit
    }

    /// `provider`, `header` or `none`.
    private mutating func retryAfterPolicy(_ node: YAMLNode) -> Limit.RetryAfter? {
        guard let name = text(node, "retry_after") else { return nil }
        guard let policy = Limit.RetryAfter(rawValue: name) else {
            let names = Limit.RetryAfter.allCases.map(\.rawValue)
            var message = "unknown 'retry_after' '\(name)' in a limit"
            if let guess = Suggestion.closest(to: name, among: names) { message += "; did you mean '\(guess)'?" }
            error(message + " (allowed: \(names.joined(separator: ", ")); a wait goes in an error rule's retry_after)", at: node)
            return nil
        }
        return policy
    }

    /// A duration (`1s`: that long a time's worth of the rate) or a count of requests or tokens.
    private mutating func burst(_ node: YAMLNode) -> Limit.Burst? {
        guard let text = node.scalar, !node.isNull else {
            error("expected a duration such as 1s or a count for 'burst', found \(node.kindDescription)", at: node)
            return nil
        }
        if Self.decimal(text) != nil {
            guard let count = number(node, "burst") else { return nil }
            guard count >= 1 else {
                error("'burst' as a count must be at least 1, found \(text)", at: node)
                return nil
            }
            return .count(count)
        }
        guard let seconds = duration(node, "burst") else { return nil }
        guard seconds > 0 else {
            error("'burst' must be above 0, found \(text)", at: node)
            return nil
        }
        return .duration(seconds)
    }

    /// `api_key`, `model`, `project` or `header:NAME`, alone or in a list.
    private mutating func scopes(_ node: YAMLNode) -> [Limit.Scope] {
        let list: [YAMLNode]
        if case .sequence(let items) = node.value { list = items } else { list = [node] }
        var scopes: [Limit.Scope] = []
        for item in list {
            guard let text = text(item, "per") else { continue }
            let scope: Limit.Scope
            switch text {
            case "api_key": scope = .apiKey
            case "model": scope = .model
            case "project": scope = .project
            case _ where text.hasPrefix("header:"):
                let name = text.dropFirst("header:".count)
                guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == ":" }) else {
                    error("'per: \(text)' needs a header name, as in header:x-api-key", at: item)
                    continue
                }
                scope = .header(name.lowercased())
            default:
                var message = "unknown scope '\(text)' in 'per'"
                if let guess = Suggestion.closest(to: text, among: ["api_key", "model", "project", "header:"]) {
                    message += "; did you mean '\(guess)'?"
                }
                error(message + " (allowed: \(Self.scopeNames.joined(separator: ", ")))", at: item)
                continue
            }
            guard !scopes.contains(scope) else {
                error("'\(text)' is listed twice in 'per'", at: item)
                continue
            }
            scopes.append(scope)
        }
        return scopes
    }

    /// `{rate|first|every: …, status|fault: …, retry_after?: …}`.
    mutating func errorRule(_ node: YAMLNode) -> ErrorRule? {
        guard let fields = fields(of: node, "an error rule", allowed: Self.errorRuleKeys) else { return nil }
        let trigger = oneOf(["rate", "first", "every"], in: fields, what: "the trigger")
        let outcome = oneOf(["status", "fault"], in: fields, what: "the outcome")

        var rule: (ErrorRule.Trigger?, ErrorRule.Outcome?) = (nil, nil)
        switch trigger {
        case "rate": rule.0 = fields["rate"].flatMap { rate($0, "rate") }.map { .rate($0) }
        case "first": rule.0 = fields["first"].flatMap { integer($0, "first", in: 1...Int.max) }.map { .first($0) }
        case "every": rule.0 = fields["every"].flatMap { integer($0, "every", in: 1...Int.max) }.map { .every($0) }
        default: break
        }
        var retryAfter: Double?
        if let node = fields["retry_after"] {
            retryAfter = duration(node, "retry_after")
            if outcome == "fault" {
                error(
                    "'retry_after' goes with 'status' (a header of the HTTP answer), not with a fault",
                    at: fields.keyNode("retry_after") ?? node)
            }
        }
        switch outcome {
        case "status":
            if let status = fields["status"].flatMap({ status($0) }) {
                rule.1 = .status(status, retryAfter: retryAfter)
            }
        case "fault":
            if let fault = fields["fault"].flatMap({ fault($0) }) { rule.1 = .fault(fault) }
        default: break
        }
        guard let trigger = rule.0, let outcome = rule.1 else { return nil }
        return ErrorRule(trigger: trigger, outcome: outcome)
    }

    /// The one key of `keys` that the rule sets; reports none or several.
    private mutating func oneOf(_ keys: [String], in fields: Fields, what: String) -> String? {
        let present = keys.filter { fields[$0] != nil }
        let list = keys.map { "'\($0)'" }.joined(separator: keys.count == 2 ? " or " : ", ")
        guard let first = present.first else {
            error("an error rule needs \(what): \(list)", at: fields.node)
            return nil
        }
        if present.count > 1 {
            let second = present[1]
            error(
                "an error rule takes one of \(list) as \(what), found both '\(first)' and '\(second)'",
                at: fields.keyNode(second) ?? fields.node)
            return nil
        }
        return first
    }

    private mutating func status(_ node: YAMLNode) -> Int? {
        guard let text = node.scalar, !node.isNull, let status = Int(text) else {
            error("expected an HTTP status such as 500 for 'status', found \(node.kindDescription)", at: node)
            return nil
        }
        guard (400...599).contains(status) else {
            error("'status' must be an HTTP error status, 400 to 599, found \(status)", at: node)
            return nil
        }
        return status
    }

    private mutating func fault(_ node: YAMLNode) -> Fault? {
        guard let name = text(node, "fault") else { return nil }
        guard let fault = Fault(rawValue: name) else {
            let names = Fault.allCases.map(\.rawValue)
            var message = "unknown fault '\(name)'"
            if let guess = Suggestion.closest(to: name, among: names) { message += "; did you mean '\(guess)'?" }
            error(message + " (faults: \(names.joined(separator: ", ")))", at: node)
            return nil
        }
        return fault
    }
}
