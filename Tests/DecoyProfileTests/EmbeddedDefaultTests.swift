import Testing

@testable import DecoyProfile

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct EmbeddedDefaultTests {
    @Test func embeddedDefaultParses() throws {
        let profile = try ProfileLoader.parse(bytes: PackageResources.default_yaml, file: "<embedded default>")
        #expect(profile == ProfileLoader.embeddedDefault)
        #expect(profile.source == "<embedded default>")
    }

    @Test func embeddedBytesAreTheFileInProfiles() throws {
        let onDisk = try ProfileLoader.readFile(repositoryRoot + "/profiles/default.yaml")
        #expect(PackageResources.default_yaml == onDisk)
    }

    @Test func defaultProfileFieldsComeOutAsWritten() {
        let profile = ProfileLoader.embeddedDefault
        #expect(profile.name == "default")
        #expect(profile.seed == nil)
        #expect(profile.listen == Profile.Listen(host: "0.0.0.0", port: 8090))
        let firstByte = Distribution.lognormal(mu: log(0.020), sigma: (log(0.120) - log(0.020)) / 2.3263478740408408)
        #expect(profile.defaults.firstByte == firstByte)
        #expect(profile.defaults.perToken == .normal(mean: 0.005, stddev: 0.001))
        #expect(profile.defaults.completionTokens == .uniform(min: 20, max: 60))
        #expect(profile.defaults.content == .lorem)
        #expect(
            profile.routes.map(\.name) == [
                "openai-chat", "openai-completions", "openai-embeddings", "openai-models", "openai-responses", "azure",
                "anthropic", "anthropic-models", "vertex-partners",
            ])
        #expect(profile.routes.allSatisfy { $0.limit == nil && $0.errors.isEmpty })
    }

    @Test func defaultProfileRoutesMergeTheirLatencyOverTheDefaults() {
        let routes = ProfileLoader.embeddedDefault.routes
        let defaults = ProfileLoader.embeddedDefault.defaults
        #expect(routes[0].behavior == defaults)
        #expect(
            routes[2].behavior.firstByte
                == .lognormal(mu: log(0.010), sigma: (log(0.060) - log(0.010)) / 2.3263478740408408))
        #expect(routes[2].behavior.perToken == defaults.perToken)
        #expect(routes[3].behavior.firstByte == .fixed(0))
        #expect(routes[5].match.endpoints == [.azureChat, .azureCompletions, .azureEmbeddings])
        #expect(routes[0].location == SourceLocation(file: "<embedded default>", line: 16, column: 5))
    }

    @Test func readmeExampleParses() throws {
        let readme = String(decoding: try ProfileLoader.readFile(repositoryRoot + "/profiles/README.md"), as: UTF8.self)
        let afterFence = try #require(readme.split(separator: "```yaml\n", maxSplits: 1).last)
        let example = try #require(afterFence.split(separator: "```", maxSplits: 1).first)
        let profile = try ProfileLoader.parse(String(example), file: "profiles/README.md")
        #expect(profile.name == "litellm-loadtest")
        #expect(profile.routes.map(\.name) == ["fake-openai-endpoint", "gemini-vision-a"])
        #expect(profile.routes[1].limit?.queue == 50)
        #expect(profile.routes[1].errors.count == 5)
    }
}
