/// Reads profiles from YAML. PLACEHOLDER until the libyaml reader lands.
public enum ProfileLoader {
    /// Parses profile text; `file` names it in error messages.
    public static func parse(_ yaml: String, file: String) throws(ProfileErrors) -> Profile {
        throw ProfileErrors([ProfileError("profile reader not built yet", at: SourceLocation(file: file, line: 1, column: 1))])
    }

    /// Reads and parses a profile file.
    public static func load(contentsOf path: String) throws(ProfileErrors) -> Profile {
        throw ProfileErrors([ProfileError("profile reader not built yet", at: SourceLocation(file: path, line: 1, column: 1))])
    }

    /// The profile built into the binary from `profiles/default.yaml`.
    public static let embeddedDefault: Profile = Profile(
        name: "default",
        defaults: Behavior(firstByte: .lognormal(mu: -3.912, sigma: 0.77), perToken: .normal(mean: 0.005, stddev: 0.001)),
        source: "<embedded default>")
}
