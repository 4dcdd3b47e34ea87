import Testing

@testable import DecoyProfile

@Suite struct LoaderTests {
    @Test func unreadableFileIsOneErrorAtLineOne() {
        let path = "/nonexistent/decoy/profile.yaml"
        let thrown = #expect(throws: ProfileErrors.self) { try ProfileLoader.load(contentsOf: path) }
        #expect(thrown?.errors.count == 1)
        #expect(thrown?.errors.first?.location == SourceLocation(file: path, line: 1, column: 1))
        #expect(thrown?.errors.first?.message == "cannot read the profile: No such file or directory")
    }

    @Test func directoryIsUnreadable() {
        let all: [ProfileError]
        do {
            _ = try ProfileLoader.load(contentsOf: "/")
            all = []
        } catch {
            all = error.errors
        }
        #expect(all.count == 1)
        #expect(all.first?.location.line == 1)
        #expect(all.first?.message.hasPrefix("cannot read the profile") == true)
    }

    @Test func loadedProfileNamesItsSource() throws {
        let path = repositoryRoot + "/profiles/default.yaml"
        #expect(try ProfileLoader.load(contentsOf: path).source == path)
    }

    @Test func nameDefaultsToTheFileBaseName() throws {
        let profile = try ProfileLoader.parse("seed: 1", file: "/etc/decoy/chaos-run.yaml")
        #expect(profile.name == "chaos-run")
        #expect(profile.seed == 1)
    }

    @Test func absentKeysTakeTheModelDefaults() throws {
        let profile = try profile("name: bare")
        #expect(profile.listen == Profile.Listen(host: "0.0.0.0", port: 8090))
        #expect(profile.defaults == Behavior())
        #expect(profile.routes.isEmpty)
        #expect(profile.seed == nil)
    }

    @Test func emptyFileIsAnError() {
        #expect(
            onlyError("# nothing here\n")
                == "test.yaml:1:1: the profile is empty; expected a mapping with keys name, seed, listen, server, defaults, routes"
        )
    }

    @Test func topLevelMustBeAMapping() {
        #expect(onlyError("- a\n- b\n").hasPrefix("test.yaml:1:1: expected a mapping for the profile"))
    }

    @Test func listenAndSeedAreRead() throws {
        let profile = try profile("seed: 18446744073709551615\nlisten: { host: 127.0.0.1, port: 0 }\n")
        #expect(profile.seed == UInt64.max)
        #expect(profile.listen == Profile.Listen(host: "127.0.0.1", port: 0))
    }

    @Test func negativeSeedIsRefused() {
        #expect(onlyError("seed: -1").hasPrefix("test.yaml:1:7: 'seed' must be a whole number"))
    }

    @Test func portOutOfRangeIsRefused() {
        #expect(
            onlyError("listen:\n  port: 70000\n") == "test.yaml:2:9: 'port' must be between 0 and 65535, found 70000")
    }
}
