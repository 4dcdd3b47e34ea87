#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads profiles from YAML: libyaml's events become a `YAMLNode` tree, which `ProfileDecoder` checks
/// and turns into a `Profile`, reporting every mistake as `FILE:LINE:COLUMN: message`.
public enum ProfileLoader {
    /// Parses profile text; `file` names it in error messages and becomes the profile's `source`.
    public static func parse(_ yaml: String, file: String) throws(ProfileErrors) -> Profile {
        try parse(bytes: Array(yaml.utf8), file: file)
    }

    /// Reads and parses a profile file.
    public static func load(contentsOf path: String) throws(ProfileErrors) -> Profile {
        try read(contentsOf: path).profile
    }

    /// Reads a profile file once and parses what was read: the profile, and the text it was parsed from
    /// (`nil` when the file is not UTF-8, e.g. UTF-16), so that the text shown is the text in force even
    /// if the file changes again meanwhile.
    public static func read(contentsOf path: String) throws(ProfileErrors) -> (profile: Profile, text: String?) {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            throw ProfileErrors([error])
        }
        let profile = try parse(bytes: bytes, file: path)
        return (profile, String(validating: bytes, as: UTF8.self))
    }

    /// The profile built into the binary from `profiles/default.yaml`; its `source` is `<embedded default>`.
    public static let embeddedDefault: Profile = {
        do {
            return try parse(bytes: PackageResources.default_yaml, file: "<embedded default>")
        } catch {
            fatalError("the embedded profiles/default.yaml does not parse:\n\(error)")
        }
    }()

    /// Parses UTF-8 (or UTF-16 with a byte order mark) YAML bytes.
    static func parse(bytes: [UInt8], file: String) throws(ProfileErrors) -> Profile {
        let root: YAMLNode?
        do {
            root = try YAMLReader.parse(bytes, file: file)
        } catch {
            throw ProfileErrors([error])
        }
        var decoder = ProfileDecoder(file: file)
        let profile = decoder.decode(root)
        guard decoder.errors.isEmpty else {
            // In file order, as a compiler prints them, whatever order the decoder found them in.
            throw ProfileErrors(
                decoder.errors.enumerated().sorted {
                    ($0.element.location.line, $0.element.location.column, $0.offset)
                        < ($1.element.location.line, $1.element.location.column, $1.offset)
                }.map(\.element))
        }
        return profile
    }

    /// The whole file; a failure is one error at 1:1 saying why.
    static func readFile(_ path: String) throws(ProfileError) -> [UInt8] {
        let place = SourceLocation(file: path, line: 1, column: 1)
        guard let handle = fopen(path, "rb") else {
            throw ProfileError("cannot read the profile: \(String(cString: strerror(errno)))", at: place)
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            bytes.append(contentsOf: chunk[0..<count])
            if count < chunk.count { break }
        }
        if ferror(handle) != 0 {
            throw ProfileError("cannot read the profile: \(String(cString: strerror(errno)))", at: place)
        }
        return bytes
    }
}
