import DecoyEngine

/// Vertex `:predict` embeddings, the Gemini API's `:embedContent` and `:batchEmbedContents`, and
/// `:countTokens` on both.
///
/// Vectors come from the generator OpenAI's embeddings use, so the same text gets the same vector from
/// every provider (at the same size).
enum GoogleEmbeddings {
    /// The size of a model's vectors when the request gives no `outputDimensionality`, and the most it may ask for.
    static func defaultDimensions(model: String) -> Int {
        model.hasPrefix("gemini-embedding") ? 3072 : 768
    }

    /// `{"predictions":[{"embeddings":{"values":[…],"statistics":{"token_count":N,"truncated":false}}}],
    /// "metadata":{"billableCharacterCount":N}}`.
    static func predict(_ request: ParsedRequest) -> [UInt8] {
        let dimensions = request.dimensions ?? defaultDimensions(model: request.model)
        var out: [UInt8] = []
        out.reserveCapacity(64 + request.inputHashes.count * (dimensions * 11 + 96))
        out.append("{\"predictions\":[")
        for (index, hash) in request.inputHashes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"embeddings\":{\"values\":")
            appendVector(hash: hash, dimensions: dimensions, to: &out)
            out.append(",\"statistics\":{\"token_count\":")
            out.append(int: max(1, OpenAIDialect.estimateTokens(bytes: request.inputBytes[index])))
            out.append(",\"truncated\":false}}}")
        }
        out.append("],\"metadata\":{\"billableCharacterCount\":")
        out.append(int: request.inputBytes.reduce(0, +))
        out.append("}}")
        return out
    }

    /// `{"embedding":{"values":[…]}}`, or `{"embeddings":[{"values":[…]},…]}` for a batch.
    static func embedContent(_ request: ParsedRequest, batch: Bool) -> [UInt8] {
        let dimensions = request.dimensions ?? defaultDimensions(model: request.model)
        var out: [UInt8] = []
        out.reserveCapacity(32 + request.inputHashes.count * (dimensions * 11 + 16))
        out.append(batch ? "{\"embeddings\":[" : "{\"embedding\":")
        for (index, hash) in request.inputHashes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"values\":")
            appendVector(hash: hash, dimensions: dimensions, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(batch ? "]}" : "}")
        return out
    }

    /// `{"totalTokens":N,"totalBillableCharacters":M,"promptTokensDetails":[…]}` (the Gemini API has no
    /// billable characters).
    static func countTokens(_ request: ParsedRequest, gemini: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.append("{\"totalTokens\":")
        out.append(int: request.sim.promptTokens)
        if !gemini {
            out.append(",\"totalBillableCharacters\":")
            out.append(int: request.inputBytes.reduce(0, +))
        }
        out.append(",\"promptTokensDetails\":[{\"modality\":\"TEXT\",\"tokenCount\":")
        out.append(int: request.sim.promptTokens)
        out.append("}]}")
        return out
    }

    private static func appendVector(hash: UInt64, dimensions: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (i, v) in OpenAIEmbeddings.vector(hash: hash, dimensions: dimensions).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(decimal: Double(v))
        }
        out.append(UInt8(ascii: "]"))
    }
}
