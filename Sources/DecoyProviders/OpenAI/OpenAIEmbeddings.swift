import DecoyEngine

/// `POST /v1/embeddings`: one unit vector per input, the same for the same input every time.
enum OpenAIEmbeddings {
    /// The size a model's vectors have when the request gives no `dimensions`.
    static func defaultDimensions(model: String) -> Int {
        model.contains("3-large") ? 3072 : 1536
    }

    /// A deterministic unit vector drawn from the input's hash.
    static func vector(hash: UInt64, dimensions: Int) -> [Float] {
        var rng = SplitMix64(seed: hash)
        var values = [Float](repeating: 0, count: dimensions)
        var norm: Double = 0
        for i in 0..<dimensions {
            let v = rng.unit() * 2 - 1
            values[i] = Float(v)
            norm += v * v
        }
        let scale = Float(1 / max(norm.squareRoot(), 1e-12))
        for i in 0..<dimensions { values[i] *= scale }
        return values
    }

    /// The body; `model` (a route's `response.model`) names the model in place of the requested one.
    static func render(_ request: ParsedRequest, model: String? = nil) -> [UInt8] {
        let dimensions = request.dimensions ?? defaultDimensions(model: request.model)
        var out: [UInt8] = []
        out.reserveCapacity(128 + request.inputHashes.count * dimensions * (request.base64 ? 6 : 11))
        out.append("{\"object\":\"list\",\"data\":[")
        for (index, hash) in request.inputHashes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append("{\"object\":\"embedding\",\"index\":")
            out.append(int: index)
            out.append(",\"embedding\":")
            let values = vector(hash: hash, dimensions: dimensions)
            if request.base64 {
                var raw: [UInt8] = []
                raw.reserveCapacity(dimensions * 4)
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { raw.append(contentsOf: $0) } }
                out.append(UInt8(ascii: "\""))
                Base64.append(raw, to: &out)
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(UInt8(ascii: "["))
                for (i, v) in values.enumerated() {
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(decimal: Double(v))
                }
                out.append(UInt8(ascii: "]"))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append("],\"model\":")
        out.append(jsonString: model ?? request.model)
        out.append(",\"usage\":{\"prompt_tokens\":")
        out.append(int: request.sim.promptTokens)
        out.append(",\"total_tokens\":")
        out.append(int: request.sim.promptTokens)
        out.append("}}")
        return out
    }
}
