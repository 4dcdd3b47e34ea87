import Testing

@testable import DecoyProfile

/// Inputs `Fuzz/run` found to crash or stall the profile reader, kept so they stay fixed.
@Suite struct FuzzFindingsTests {
    /// The error for `bytes`, and how long reading them took.
    private func timedError(_ bytes: [UInt8]) -> (message: String, seconds: Double) {
        let clock = ContinuousClock()
        var message = ""
        let elapsed = clock.measure {
            do {
                _ = try ProfileLoader.parse(bytes: bytes, file: "fuzz.yaml")
            } catch {
                message = "\(error)"
            }
        }
        return (message, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
    }

    // libyaml's scanner walks every open flow collection for each token: 65,000 `[` took 17 s.
    @Test func deepFlowNestingIsRefusedQuickly() {
        let (message, seconds) = timedError(Array(repeating: UInt8(ascii: "["), count: 65_000))
        #expect(message == "fuzz.yaml:1:101: collections nest deeper than 100 levels")
        #expect(seconds < 2)
    }

    @Test func deepFlowMappingsAreRefusedQuickly() {
        let (message, seconds) = timedError(Array(String(repeating: "{a: ", count: 16_000).utf8))
        #expect(message == "fuzz.yaml:1:401: collections nest deeper than 100 levels")
        #expect(seconds < 2)
    }

    @Test func nestingUpToTheLimitIsRead() throws {
        let text = "a: " + String(repeating: "[", count: 99) + String(repeating: "]", count: 99) + "\n"
        #expect(throws: Never.self) { try YAMLReader.parse(Array(text.utf8), file: "t.yaml") }
    }
}
