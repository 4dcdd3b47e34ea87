import ArgumentParser
import DecoyProfile

/// `decoy routes`: prints the resolved route table of a profile.
struct Routes: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a profile's resolved route table.")

    @Option(name: .long, help: "The profile file. Default: the embedded default.")
    var profile: String?

    func run() throws {
        let loaded = try ProfileFile.load(profile)
        print("profile '\(loaded.name)' from \(loaded.source)\(loaded.seed.map { ", seed \($0)" } ?? "")")
        for route in loaded.routes {
            print(RouteDescription.describe(route))
        }
        print(RouteDescription.describe(Route(name: "(defaults)", match: RouteMatch(), behavior: loaded.defaults)))
    }
}

/// One route as a few readable lines.
enum RouteDescription {
    static func describe(_ route: Route) -> String {
        var lines = ["- \(route.name)"]
        var match: [String] = []
        if !route.match.endpoints.isEmpty { match.append(route.match.endpoints.map(\.rawValue).joined(separator: ", ")) }
        if let path = route.match.path { match.append("path \(path)") }
        if let method = route.match.method { match.append("method \(method)") }
        if let model = route.match.model { match.append("model \(model)") }
        for header in route.match.headers { match.append("header \(header.name)=\(header.value)") }
        lines.append("    match: \(match.isEmpty ? "anything not matched above" : match.joined(separator: "; "))")
        let b = route.behavior
        lines.append("    first_byte: \(DistributionText.describe(b.firstByte, .duration))")
        lines.append("    per_token: \(DistributionText.describe(b.perToken, .duration))")
        let content: String =
            switch b.content {
            case .lorem: "lorem"
            case .echo: "echo"
            case .fixed(let text): "\"\(text)\""
            }
        lines.append("    completion_tokens: \(DistributionText.describe(b.completionTokens, .count)), content: \(content)")
        if let limit = route.limit {
            var parts: [String] = []
            if let rpm = limit.rpm { parts.append("rpm \(DistributionText.trim(rpm))") }
            if let tpm = limit.tpm { parts.append("tpm \(DistributionText.trim(tpm))") }
            switch limit.burst {
            case .duration(let seconds): parts.append("burst \(DistributionText.value(seconds, .duration)) of rate")
            case .count(let n): parts.append("burst \(DistributionText.trim(n))")
            }
            if !limit.per.isEmpty {
                parts.append("per " + limit.per.map(\.name).joined(separator: ", "))
            }
            if let c = limit.concurrency { parts.append("concurrency \(c) queue \(limit.queue)") }
            lines.append("    limit: " + parts.joined(separator: ", "))
        }
        if let auth = route.auth {
            let text: String =
                switch auth {
                case .open: "none"
                case .any: "any credential"
                case .issued: "a token from POST /token"
                case .keys(let keys): "one of \(keys.count) keys"
                }
            lines.append("    auth: \(text)")
        }
        for rule in route.errors {
            let when: String =
                switch rule.trigger {
                case .rate(let p): "\(DistributionText.trim(p * 100))% of requests"
                case .first(let n): "the first \(n)"
                case .every(let n): "every \(n)th"
                }
            let what: String =
                switch rule.outcome {
                case .status(let status, let retry): "status \(status)" + (retry.map { ", retry-after \(DistributionText.value($0, .duration))" } ?? "")
                case .fault(let fault): "fault \(fault.rawValue)"
                }
            lines.append("    error: \(when) → \(what)")
        }
        return lines.joined(separator: "\n")
    }
}
