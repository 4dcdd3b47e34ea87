import ArgumentParser
import DecoyProfile

/// Loading a profile for a command, with errors printed the way compilers print them.
enum ProfileFile {
    /// The file's profile, or the embedded default when `path` is nil.
    static func load(_ path: String?) throws -> Profile {
        try read(path).profile
    }

    /// The file's profile and the text it was parsed from (read once), or the embedded default and no
    /// text when `path` is nil.
    static func read(_ path: String?) throws -> (profile: Profile, text: String?) {
        guard let path else { return (ProfileLoader.embeddedDefault, nil) }
        do {
            return try ProfileLoader.read(contentsOf: path)
        } catch {
            printError(error.description)
            throw ExitCode(65)
        }
    }

    static func printError(_ text: String) { Console.write(text + "\n", to: 2) }
}

/// Unbuffered output, so lines reach a pipe (a test harness, a log) the moment they are written.
enum Console {
    static func line(_ text: String) { write(text + "\n", to: 1) }

    static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
