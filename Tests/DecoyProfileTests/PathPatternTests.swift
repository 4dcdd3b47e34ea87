import Testing

@testable import DecoyProfile

@Suite struct PathPatternTests {
    let vertex = "/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent"

    @Test func vertexPatternCapturesProjectLocationAndModel() throws {
        let pattern = try PathPattern(vertex)
        let captures = pattern.match(
            "/v1/projects/bad-adroit-crow-413218/locations/us-central1/publishers/google/models/gemini-1.5-pro:generateContent"
        )
        #expect(
            captures == ["project": "bad-adroit-crow-413218", "location": "us-central1", "model": "gemini-1.5-pro"])
    }

    @Test func captureStopsAtTheLastLiteralThatLetsTheRestMatch() throws {
        let pattern = try PathPattern("/models/{model}:generateContent")
        #expect(pattern.match("/models/a:b:generateContent") == ["model": "a:b"])
    }

    @Test func vertexPatternRefusesOtherVerbsAndShapes() throws {
        let pattern = try PathPattern(vertex)
        #expect(pattern.match("/v1/projects/p/locations/l/publishers/google/models/m:streamGenerateContent") == nil)
        #expect(pattern.match("/v1/projects/p/locations/l/publishers/google/models/:generateContent") == nil)
        #expect(pattern.match("/v1/projects/p/locations/l/publishers/anthropic/models/m:generateContent") == nil)
        #expect(pattern.match("/v1/projects/p/locations/l/publishers/google/models/m:generateContent/extra") == nil)
        #expect(pattern.match("v1/projects/p/locations/l/publishers/google/models/m:generateContent") == nil)
    }

    @Test func trailingStarMatchesAnyRest() throws {
        let pattern = try PathPattern("/custom/*")
        #expect(pattern.match("/custom/a") == [:])
        #expect(pattern.match("/custom/a/b/c") == [:])
        #expect(pattern.match("/custom/") == [:])
        #expect(pattern.match("/other/a") == nil)
    }

    @Test func literalPatternMatchesOnlyItself() throws {
        let pattern = try PathPattern("/v1/chat/completions")
        #expect(pattern.match("/v1/chat/completions") == [:])
        #expect(pattern.match("/v1/chat/completions/") == nil)
        #expect(pattern.match("/v1/chat") == nil)
    }

    @Test func malformedPatternsAreRefused() {
        #expect(throws: PathPattern.PatternError("path pattern must start with '/'")) { try PathPattern("v1") }
        #expect(throws: PathPattern.PatternError("'*' may only stand alone as the last segment")) {
            try PathPattern("/a*/b")
        }
        #expect(throws: PathPattern.PatternError("unclosed '{' in path pattern")) { try PathPattern("/{a") }
        #expect(throws: PathPattern.PatternError("two captures need literal text between them")) {
            try PathPattern("/{a}{b}")
        }
    }
}
