import Testing

@testable import DecoyProfile

/// A route's `auth:` reads as the credential its requests need.
@Suite struct AuthTests {
    @Test(arguments: [("issued", Auth.issued), ("any", .any), ("none", .open)])
    func wordsNameThePolicy(word: String, auth: Auth) throws {
        #expect(try route("    auth: \(word)\n").auth == auth)
    }

    @Test func keysAsAMappingOrAList() throws {
        #expect(try route("    auth: { keys: [k1, k2] }\n").auth == .keys(["k1", "k2"]))
        #expect(try route("    auth: [k1]\n").auth == .keys(["k1"]))
    }

    @Test func absentOrEmptyLeavesItToTheEndpoint() throws {
        #expect(try route("").auth == nil)
        #expect(try route("    auth:\n").auth == nil)
        #expect(Endpoint.vertexGenerate.defaultAuth == .issued)
        #expect(Endpoint.geminiGenerate.defaultAuth == .any)
        #expect(Endpoint.openaiChat.defaultAuth == .open)
    }

    @Test func mistakesAreNamedWithTheirPlace() {
        #expect(onlyError("routes:\n  - name: r\n    match: openai.chat\n    auth: isued\n").hasPrefix(
            "test.yaml:4:11: unknown auth 'isued'; did you mean 'issued'?"))
        #expect(onlyError("routes:\n  - name: r\n    match: openai.chat\n    auth: { keys: [] }\n").hasSuffix(
            "'keys' needs at least one key"))
        #expect(onlyError("routes:\n  - name: r\n    match: openai.chat\n    auth: { key: [a] }\n").contains(
            "unknown key 'key' in auth"))
    }
}
