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
        lines.append("    first_byte: \(route.behavior.firstByte)  per_token: \(route.behavior.perToken)")
        lines.append("    completion_tokens: \(route.behavior.completionTokens)  content: \(route.behavior.content)")
        if let limit = route.limit {
            var parts: [String] = []
            if let rpm = limit.rpm { parts.append("rpm \(rpm)") }
            if let tpm = limit.tpm { parts.append("tpm \(tpm)") }
            parts.append("burst \(limit.burst)")
            if !limit.per.isEmpty { parts.append("per \(limit.per)") }
            if let c = limit.concurrency { parts.append("concurrency \(c) queue \(limit.queue)") }
            lines.append("    limit: " + parts.joined(separator: ", "))
        }
        for rule in route.errors {
            lines.append("    error: \(rule.trigger) → \(rule.outcome)")
        }
        return lines.joined(separator: "\n")
    }
}
