import ArgumentParser
import DecoyProfile

/// `decoy check FILE...`: validates profiles and prints every mistake as FILE:LINE:COLUMN: message.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate profile files; exit non-zero on any error.")

    @Argument(help: "Profile files to check.")
    var files: [String]

    func run() throws {
        var failed = false
        for file in files {
            do {
                let profile = try ProfileLoader.load(contentsOf: file)
                print("\(file): ok (profile '\(profile.name)', \(profile.routes.count) routes)")
            } catch {
                ProfileFile.printError(error.description)
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
