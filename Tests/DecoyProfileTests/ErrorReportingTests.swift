import Testing

@testable import DecoyProfile

@Suite struct ErrorReportingTests {
    @Test func reportsEveryErrorWithLineAndColumn() {
        let yaml = """
            name: broken
            seed: lots
            listen: { host: 0.0.0.0, prot: 8090 }
            defaults:
              latency:
                first_byte: 80
                per_token: { normal: { mean: 12ms, stddev: -3ms } }
            routes:
              - name: chat
                match: openai.chatt
                limit: { rpm: 0, queue: 2 }
                errors:
                  - { rate: 150%, status: 200 }
                  - { first: 1, status: 500, fault: reset }
              - name: chat
                match: { path: '/v1/{model' }
            """
        #expect(
            errors(yaml) == [
                "test.yaml:2:7: 'seed' must be a whole number from 0 to 18446744073709551615, found 'lots'",
                "test.yaml:3:26: unknown key 'prot' in listen; did you mean 'port'? (allowed: host, port)",
                "test.yaml:6:17: '80' for 'first_byte' needs a unit: 80ms or 80s (durations take us, ms, s, m)",
                "test.yaml:7:48: 'stddev' must not be negative, found -3ms",
                "test.yaml:10:12: unknown endpoint 'openai.chatt'; did you mean 'openai.chat'? (valid ids: "
                    + Endpoint.allCases.map(\.rawValue).joined(separator: ", ") + ")",
                "test.yaml:11:19: 'rpm' must be above 0, found 0",
                "test.yaml:11:22: 'queue' holds requests waiting for a concurrency slot; it needs 'concurrency'",
                "test.yaml:13:17: 'rate' must be at most 100%, found 150%",
                "test.yaml:13:31: 'status' must be an HTTP error status, 400 to 599, found 200",
                "test.yaml:14:34: an error rule takes one of 'status' or 'fault' as the outcome, found both 'status' and 'fault'",
                "test.yaml:15:11: duplicate route name 'chat' (first at line 9)",
                "test.yaml:16:20: bad path pattern '/v1/{model': unclosed '{' in path pattern",
            ])
    }

    @Test func errorsPrintAsFileLineColumnMessage() {
        let thrown = #expect(throws: ProfileErrors.self) { try profile("nmae: x\nseed: -4\n") }
        #expect(
            thrown?.description
                == "test.yaml:1:1: unknown key 'nmae' in the profile; did you mean 'name'? (allowed: name, seed, listen, server, defaults, routes)\n"
                + "test.yaml:2:7: 'seed' must be a whole number from 0 to 18446744073709551615, found '-4'")
    }

    @Test func duplicateKeyIsReportedAtTheSecond() {
        #expect(
            onlyError("name: a\nname: b\n") == "test.yaml:2:1: duplicate key 'name' in the profile (first at line 1)")
    }

    @Test func wrongTypeNamesWhatWasFound() {
        #expect(
            onlyError("listen: [0.0.0.0, 8090]\n")
                == "test.yaml:1:9: expected a mapping for listen (keys host, port), found a list")
        #expect(
            onlyError("routes: openai.chat\n") == "test.yaml:1:9: expected a list for 'routes', found 'openai.chat'")
    }

    @Test func emptySectionsMeanNone() throws {
        let profile = try profile("defaults:\nroutes:\n")
        #expect(profile.defaults == Behavior())
        #expect(profile.routes.isEmpty)
    }
}
