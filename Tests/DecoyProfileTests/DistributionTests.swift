import Testing

@testable import DecoyProfile

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The first_byte distribution of a profile whose defaults set it to `text`.
private func firstByte(_ text: String) throws(ProfileErrors) -> Distribution {
    try profile("defaults:\n  latency:\n    first_byte: \(text)\n").defaults.firstByte
}

/// The completion_tokens distribution of a profile whose defaults set it to `text`.
private func tokens(_ text: String) throws(ProfileErrors) -> Distribution {
    try profile("defaults:\n  response:\n    completion_tokens: \(text)\n").defaults.completionTokens
}

/// The one error for `first_byte: text`, whose value starts at line 3, column 17.
private func firstByteError(_ text: String) -> String {
    onlyError("defaults:\n  latency:\n    first_byte: \(text)\n")
}

@Suite struct DistributionTests {
    @Test func constantDurationIsFixed() throws {
        #expect(try firstByte("80ms") == .fixed(0.08))
        #expect(try firstByte("{ fixed: 2s }") == .fixed(2))
    }

    @Test func constantCountIsFixed() throws {
        #expect(try tokens("40") == .fixed(40))
    }

    @Test func uniformTakesMinAndMax() throws {
        #expect(try firstByte("{ uniform: [10ms, 50ms] }") == .uniform(min: 0.01, max: 0.05))
        #expect(try tokens("{ uniform: { min: 5, max: 9 } }") == .uniform(min: 5, max: 9))
    }

    @Test func uniformMinAboveMaxIsRefused() {
        #expect(firstByteError("{ uniform: [50ms, 10ms] }") == "test.yaml:3:28: 'uniform' min 50ms is above max 10ms")
    }

    @Test func normalTakesMeanAndStddev() throws {
        #expect(try firstByte("{ normal: { mean: 12ms, stddev: 3ms } }") == .normal(mean: 0.012, stddev: 0.003))
    }

    @Test func negativeStddevIsRefused() {
        #expect(
            firstByteError("{ normal: { mean: 12ms, stddev: -3ms } }")
                == "test.yaml:3:49: 'stddev' must not be negative, found -3ms")
    }

    @Test func normalWithoutStddevSaysWhatIsMissing() {
        #expect(firstByteError("{ normal: { mean: 12ms } }") == "test.yaml:3:27: 'normal' needs 'stddev'")
    }

    @Test func lognormalFromMedianAndP99() throws {
        let sigma = (log(0.4) - log(0.08)) / 2.3263478740408408
        #expect(try firstByte("{ lognormal: { median: 80ms, p99: 400ms } }") == .lognormal(mu: log(0.08), sigma: sigma))
        guard case .lognormal(let mu, let s) = try firstByte("{ lognormal: { median: 80ms, p99: 400ms } }") else {
            Issue.record("not a lognormal")
            return
        }
        // The 99th percentile of the result is the p99 written.
        #expect(nearlyEqual(exp(mu + 2.3263478740408408 * s), 0.4))
    }

    @Test func lognormalFromMuAndSigma() throws {
        #expect(try firstByte("{ lognormal: { mu: -2.5, sigma: 0.7 } }") == .lognormal(mu: -2.5, sigma: 0.7))
    }

    @Test func lognormalP99NotAboveMedianIsRefused() {
        #expect(
            firstByteError("{ lognormal: { median: 80ms, p99: 80ms } }")
                == "test.yaml:3:51: the lognormal 'p99' (80ms) must be above the median (80ms)")
    }

    @Test func lognormalMixingBothFormsIsRefused() {
        #expect(
            firstByteError("{ lognormal: { median: 80ms, sigma: 1 } }")
                == "test.yaml:3:30: 'lognormal' takes either {median, p99} or {mu, sigma}, not a mix")
    }

    @Test func exponentialTakesMean() throws {
        #expect(try firstByte("{ exponential: { mean: 50ms } }") == .exponential(mean: 0.05))
    }

    @Test func percentilesMapKeysToQuantiles() throws {
        #expect(
            try firstByte("{ percentiles: { p0: 10ms, p50: 70ms, p90: 300ms, p99.9: 1.2s, p100: 2s } }")
                == .percentiles([
                    .init(q: 0, value: 0.01), .init(q: 0.5, value: 0.07), .init(q: 0.9, value: 0.3),
                    .init(q: 99.9 / 100, value: 1.2), .init(q: 1, value: 2),
                ]))
    }

    @Test func percentilesOutOfOrderAreRefused() {
        #expect(
            firstByteError("{ percentiles: { p90: 300ms, p50: 70ms } }")
                == "test.yaml:3:46: percentiles must be written in increasing order: 'p50' comes after 'p90'")
    }

    @Test func percentileValuesThatDecreaseAreRefused() {
        #expect(
            firstByteError("{ percentiles: { p50: 300ms, p90: 70ms } }")
                == "test.yaml:3:51: percentile values must not decrease: p90 (70ms) is below p50 (300ms)")
    }

    @Test func percentileKeyMustBePN() {
        #expect(
            firstByteError("{ percentiles: { median: 70ms } }")
                == "test.yaml:3:34: percentile keys are p0 to p100, such as p50 or p99.9; found 'median'")
        #expect(
            firstByteError("{ percentiles: { p101: 70ms } }").hasPrefix(
                "test.yaml:3:34: percentile keys are p0 to p100"))
    }

    @Test func mixtureWeighsComponents() throws {
        let text =
            "{ mixture: [ { weight: 0.9, lognormal: { median: 80ms, p99: 400ms } }, { weight: 0.1, fixed: 2s } ] }"
        guard case .mixture(let components) = try firstByte(text) else {
            Issue.record("not a mixture")
            return
        }
        #expect(components.map(\.weight) == [0.9, 0.1])
        #expect(components[1].distribution == .fixed(2))
    }

    @Test func mixtureWeightMustBePositive() {
        #expect(
            firstByteError("{ mixture: [ { weight: 0, fixed: 2s } ] }")
                == "test.yaml:3:40: a mixture 'weight' must be above 0, found 0")
    }

    @Test func mixtureComponentNeedsOneDistribution() {
        #expect(
            firstByteError("{ mixture: [ { weight: 1, fixed: 2s, uniform: [1s, 2s] } ] }")
                .hasPrefix("test.yaml:3:30: a mixture component has a 'weight' and one distribution"))
    }

    @Test func unknownShapeSuggestsTheClosest() {
        #expect(
            firstByteError("{ lognormall: { median: 1s, p99: 2s } }")
                == "test.yaml:3:19: unknown key 'lognormall' in a distribution; did you mean 'lognormal'? "
                + "(allowed: fixed, uniform, normal, lognormal, exponential, percentiles, mixture)")
    }

    @Test func distributionWithTwoShapesIsRefused() {
        #expect(
            firstByteError("{ fixed: 1s, normal: { mean: 1s, stddev: 0s } }").hasPrefix(
                "test.yaml:3:17: a distribution for 'first_byte' is a mapping with one key"))
    }

    @Test func countDistributionsTakePlainNumbers() throws {
        #expect(try tokens("{ normal: { mean: 200, stddev: 50 } }") == .normal(mean: 200, stddev: 50))
        #expect(
            onlyError("defaults:\n  response:\n    completion_tokens: 40ms\n")
                == "test.yaml:3:24: 'completion_tokens' is a count, not a duration; found '40ms'")
    }
}
