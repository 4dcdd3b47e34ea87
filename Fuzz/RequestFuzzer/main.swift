// libFuzzer target for the request scanner: the JSON validator and index every body goes through,
// then the dialects' field extraction on top of it. The first byte picks the endpoint from `targets`
// as a base-36 digit (a seed file starts with `0` for OpenAI chat, `8` for Vertex generateContent, …);
// the rest is the body. A document that parses is walked whole, checking what the index promises.
//
// Built only by `Fuzz/run` (DECOY_FUZZ=1, -sanitize=fuzzer,address, -enable-testing); the top-level
// code at the end hands `fuzz` to libFuzzer's driver, which reads the usual libFuzzer flags.
import CLibFuzzer
import DecoyProfile
import Glibc

@testable import DecoyProviders

/// Every endpoint a dialect parses a body for, with the dialect and the captures the router would give.
/// Append only: the seed corpus picks entries by position.
private let targets: [(Dialect, RequestHead)] = {
    let openAI = OpenAIDialect()
    let azure = OpenAIDialect(azure: true)
    let deployment: [String: Substring] = ["deployment": "fuzz-deployment"]
    let vertex = VertexDialect()
    let gemini = VertexDialect(gemini: true)
    let geminiModel: [String: Substring] = ["model": "gemini-2.0-flash"]
    let publisher = geminiModel.merging(["project": "fuzz-project", "location": "us-central1"]) { $1 }
    let vertexPath: Substring = "/v1/projects/fuzz-project/locations/us-central1/publishers/google/models/gemini-2.0"
    func post(_ path: Substring, _ endpoint: Endpoint, _ captures: [String: Substring] = [:], query: Substring = "")
        -> RequestHead
    {
        RequestHead(method: "POST", path: path, query: query, endpoint: endpoint, captures: captures)
    }
    return [
        (openAI, post("/v1/chat/completions", .openaiChat)),
        (openAI, post("/v1/completions", .openaiCompletions)),
        (openAI, post("/v1/embeddings", .openaiEmbeddings)),
        (openAI, post("/v1/responses", .openaiResponses)),
        (openAI, RequestHead(method: "GET", path: "/v1/models/m", endpoint: .openaiModels, captures: ["model": "m"])),
        (azure, post("/openai/deployments/d/chat/completions", .azureChat, deployment)),
        (azure, post("/openai/deployments/d/completions", .azureCompletions, deployment)),
        (azure, post("/openai/deployments/d/embeddings", .azureEmbeddings, deployment)),
        (vertex, post(vertexPath + ":generateContent", .vertexGenerate, publisher)),  // 8
        (vertex, post(vertexPath + ":streamGenerateContent", .vertexStream, publisher, query: "alt=sse")),
        (vertex, post(vertexPath + ":streamGenerateContent", .vertexStream, publisher)),  // A
        (vertex, post(vertexPath + ":predict", .vertexEmbed, publisher)),
        (vertex, post(vertexPath + ":countTokens", .vertexCountTokens, publisher)),
        (vertex, post(vertexPath + ":rawPredict", .vertexRawPredict, publisher)),
        (vertex, post("/:generateContent", .vertexGenerate)),  // E: the model from the body
        (gemini, post("/v1beta/models/gemini-2.0-flash:generateContent", .geminiGenerate, geminiModel)),
        (gemini, post("/v1beta/models/gemini-2.0-flash:streamGenerateContent", .geminiStream, geminiModel)),
        (gemini, post("/v1beta/models/text-embedding-004:embedContent", .geminiEmbed, geminiModel)),
        (gemini, post("/v1beta/models/text-embedding-004:batchEmbedContents", .geminiEmbed, geminiModel)),  // I
        (gemini, post("/v1beta/models/gemini-2.0-flash:countTokens", .geminiCountTokens, geminiModel)),
        (GoogleTokenDialect(), post("/token", .googleToken)),  // K: a form body, not JSON
    ]
}()

/// One input; libFuzzer calls it millions of times. A trap or a sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else {
        _ = try? JSONDocument.parse([UInt8]())
        return 0
    }
    let (dialect, head) = targets[targetIndex(data[0])]
    let body = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    if let document = try? JSONDocument.parse(body) {
        walk(document.root, depth: 0)
        // The root's text is the body without surrounding whitespace (and byte order mark): it parses again.
        let text = Array(document.root.description.utf8)
        precondition((try? JSONDocument.parse(text)) != nil, "the root's own text does not parse")
    }
    do {
        _ = try dialect.parse(head, body: body).echo
    } catch {
        _ = dialect.render(error)
    }
    return 0
}

/// `0`…`9` and `A`…`Z` as base-36 digits; any other byte modulo the number of targets.
private func targetIndex(_ byte: UInt8) -> Int {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0")) % targets.count
    case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A") + 10) % targets.count
    default: Int(byte) % targets.count
    }
}

/// Visits every value through every accessor, checking what the index promises.
private func walk(_ value: JSONValue, depth: Int) {
    _ = value.bool
    _ = value.int
    _ = value.double
    _ = value.isNull
    let token = value.document.tokens[value.index]
    switch value.kind {
    case .string:
        let text = value.string!
        precondition(text.utf8.count == Int(token.count), "decoded length differs from the index's")
        precondition(value.stringEquals(text), "a string does not equal its own text")
        precondition(value.textLength == text.utf8.count, "textLength of a string is not its length")
    case .object:
        var members = 0
        for (key, member) in value.members {
            members += 1
            let name = key.string!
            precondition(Int(value.document.tokens[key.index].count) == name.utf8.count, "key length")
            if members <= 8 { precondition(value[name] != nil, "a key does not find a member") }
            walk(member, depth: depth + 1)
        }
        precondition(members == value.count, "members walked differ from count")
    case .array:
        var elements = 0
        for element in value.elements {
            if elements < 4 { precondition(value[elements]?.index == element.index, "subscript and iterator differ") }
            elements += 1
            walk(element, depth: depth + 1)
        }
        precondition(elements == value.count, "elements walked differ from count")
    case .number, .bool, .null:
        precondition(value.count == 0 && value.textLength == 0, "a scalar with children")
    }
    precondition(Int(token.next) > value.index && Int(token.next) <= value.document.tokens.count, "next")
    if depth == 0 { precondition(Int(token.next) == value.document.tokens.count, "the root does not span the index") }
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
