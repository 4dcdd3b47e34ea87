import Testing

@testable import DecoyProfile

@Suite struct ScalarTests {
    @Test func durationsTakeUsMsSAndM() {
        #expect(ProfileDecoder.parseDuration("250us") == 0.000_25)
        #expect(ProfileDecoder.parseDuration("80ms") == 0.08)
        #expect(ProfileDecoder.parseDuration("2s") == 2)
        #expect(ProfileDecoder.parseDuration("1.5s") == 1.5)
        #expect(ProfileDecoder.parseDuration("1m") == 60)
        #expect(ProfileDecoder.parseDuration("0") == 0)
        #expect(ProfileDecoder.parseDuration("80") == nil)
        #expect(ProfileDecoder.parseDuration("fast") == nil)
        #expect(ProfileDecoder.parseDuration("1m30s") == nil)
    }

    @Test func bareNumberDurationAsksForAUnit() {
        #expect(
            onlyError("defaults:\n  latency:\n    per_token: 80\n")
                == "test.yaml:3:16: '80' for 'per_token' needs a unit: 80ms or 80s (durations take us, ms, s, m)")
    }

    @Test func bareZeroDurationIsAllowed() throws {
        #expect(try profile("defaults:\n  latency:\n    per_token: 0\n").defaults.perToken == .fixed(0))
    }

    @Test func malformedDurationIsRefused() {
        #expect(
            onlyError("defaults:\n  latency:\n    per_token: fast\n")
                == "test.yaml:3:16: 'fast' for 'per_token' is not a duration; write a number and a unit (us, ms, s, m) such as 80ms"
        )
    }

    @Test func numbersAreStrictDecimals() {
        #expect(ProfileDecoder.decimal("12") == 12)
        #expect(ProfileDecoder.decimal("-0.5") == -0.5)
        #expect(ProfileDecoder.decimal("1e3") == 1000)
        #expect(ProfileDecoder.decimal("inf") == nil)
        #expect(ProfileDecoder.decimal("nan") == nil)
        #expect(ProfileDecoder.decimal("0x10") == nil)
        #expect(ProfileDecoder.decimal("") == nil)
        #expect(ProfileDecoder.decimal(".") == nil)
        #expect(ProfileDecoder.decimal("1e") == nil)
    }

    @Test func ratesTakePercentOrFraction() throws {
        let rules = try route(
            "    errors:\n      - { rate: 1%, status: 500 }\n      - { rate: 0.5%, status: 500 }\n      - { rate: 0.01, status: 500 }\n"
        ).errors
        #expect(rules.map(\.trigger) == [.rate(0.01), .rate(0.005), .rate(0.01)])
    }

    @Test func rateAboveHundredPercentIsRefused() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    errors: [ { rate: 101%, status: 500 } ]\n")
                == "test.yaml:4:23: 'rate' must be at most 100%, found 101%")
    }

    @Test func fractionAboveOneSuggestsPercent() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    errors: [ { rate: 5, status: 500 } ]\n")
                == "test.yaml:4:23: 'rate' as a fraction must be at most 1, found 5; for a percentage write 5%")
    }

    @Test func negativeRateIsRefused() {
        #expect(
            onlyError("routes:\n  - name: r\n    match: openai.chat\n    errors: [ { rate: -1%, status: 500 } ]\n")
                == "test.yaml:4:23: 'rate' must not be negative, found -1%")
    }

    @Test func negativeCountIsRefused() {
        #expect(
            onlyError("defaults:\n  response:\n    completion_tokens: -5\n")
                == "test.yaml:3:24: 'completion_tokens' must not be negative, found -5")
    }

    @Test func contentKeywordsAndFixedText() throws {
        #expect(try profile("defaults: { response: { content: echo } }").defaults.content == .echo)
        #expect(try profile("defaults: { response: { content: lorem } }").defaults.content == .lorem)
        #expect(
            try profile("defaults: { response: { content: Hello there } }").defaults.content == .fixed("Hello there"))
        #expect(try profile("defaults: { response: { content: \"echo\" } }").defaults.content == .fixed("echo"))
    }

    @Test func suggestionsCatchLikelyTyposOnly() {
        #expect(Suggestion.closest(to: "frist_byte", among: ["first_byte", "per_token"]) == "first_byte")
        #expect(Suggestion.closest(to: "prot", among: ["host", "port"]) == "port")
        #expect(Suggestion.closest(to: "banana", among: ["host", "port"]) == nil)
    }
}
