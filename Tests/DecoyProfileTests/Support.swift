@testable import DecoyProfile

/// The profile in `yaml`, read as the file `test.yaml`.
func profile(_ yaml: String) throws(ProfileErrors) -> Profile {
    try ProfileLoader.parse(yaml, file: "test.yaml")
}

/// Every error `yaml` produces, as `test.yaml:LINE:COLUMN: message`; empty when it parses.
func errors(_ yaml: String) -> [String] {
    do {
        _ = try ProfileLoader.parse(yaml, file: "test.yaml")
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

/// The only error `yaml` produces, or a note saying how many there were.
func onlyError(_ yaml: String) -> String {
    let all = errors(yaml)
    return all.count == 1 ? all[0] : "\(all.count) errors: \(all)"
}

/// The behaviour of the single route of a profile whose route is `match: openai.chat` plus `body`.
func routeBehavior(_ body: String) throws(ProfileErrors) -> Behavior {
    try profile("routes:\n  - name: r\n    match: openai.chat\n" + body).routes[0].behavior
}

/// A profile with one route, `extra` indented under it, for limit and error-rule tests.
func route(_ extra: String) throws(ProfileErrors) -> Route {
    try profile("routes:\n  - name: r\n    match: openai.chat\n" + extra).routes[0]
}

/// The repository's root, found from this file's path.
let repositoryRoot: String = {
    var parts = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)  // Tests/DecoyProfileTests/Support.swift
    return parts.joined(separator: "/")
}()

/// `a` and `b` within a relative tolerance.
func nearlyEqual(_ a: Double, _ b: Double, tolerance: Double = 1e-12) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}
