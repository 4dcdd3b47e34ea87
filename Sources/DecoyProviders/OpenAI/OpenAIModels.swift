/// `GET /v1/models` and `/v1/models/{id}`: a fixed catalogue, and any id answered as if it existed.
enum OpenAIModels {
    static let catalogue: [(id: String, created: Int, owner: String)] = [
        ("gpt-4o", 1_715_367_049, "system"),
        ("gpt-4o-mini", 1_721_172_741, "system"),
        ("gpt-4.1", 1_744_316_542, "system"),
        ("gpt-4.1-mini", 1_744_318_173, "system"),
        ("gpt-3.5-turbo", 1_677_610_602, "openai"),
        ("gpt-3.5-turbo-instruct", 1_692_901_427, "system"),
        ("text-embedding-3-small", 1_705_948_997, "system"),
        ("text-embedding-3-large", 1_705_953_180, "system"),
        ("text-embedding-ada-002", 1_671_217_299, "openai-internal"),
    ]

    static func render(model: String?) -> [UInt8] {
        var out: [UInt8] = []
        if let model {
            let known = catalogue.first { $0.id == model }
            append(id: model, created: known?.created ?? 1_700_000_000, owner: known?.owner ?? "system", to: &out)
            return out
        }
        out.append("{\"object\":\"list\",\"data\":[")
        for (i, entry) in catalogue.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            append(id: entry.id, created: entry.created, owner: entry.owner, to: &out)
        }
        out.append("]}")
        return out
    }

    private static func append(id: String, created: Int, owner: String, to out: inout [UInt8]) {
        out.append("{\"id\":")
        out.append(jsonString: id)
        out.append(",\"object\":\"model\",\"created\":")
        out.append(int: created)
        out.append(",\"owned_by\":")
        out.append(jsonString: owner)
        out.append("}")
    }
}
