/// `GET /v1/models` and `/v1/models/{id}` in Anthropic's shape: a fixed catalogue, newest first, one
/// page; any id answered as if it existed.
enum AnthropicModels {
    static let catalogue: [(id: String, name: String, created: String)] = [
        ("claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z"),
        ("claude-opus-4-20250514", "Claude Opus 4", "2025-05-22T00:00:00Z"),
        ("claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-22T00:00:00Z"),
        ("claude-3-7-sonnet-20250219", "Claude Sonnet 3.7", "2025-02-24T00:00:00Z"),
        ("claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22T00:00:00Z"),
        ("claude-3-haiku-20240307", "Claude Haiku 3", "2024-03-07T00:00:00Z"),
    ]

    static func render(model: String?) -> [UInt8] {
        var out: [UInt8] = []
        if let model {
            let known = catalogue.first { $0.id == model }
            append(id: model, name: known?.name ?? model, created: known?.created ?? "2025-01-01T00:00:00Z", to: &out)
            return out
        }
        out.append("{\"data\":[")
        for (i, entry) in catalogue.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            append(id: entry.id, name: entry.name, created: entry.created, to: &out)
        }
        out.append("],\"has_more\":false,\"first_id\":")
        out.append(jsonString: catalogue[0].id)
        out.append(",\"last_id\":")
        out.append(jsonString: catalogue[catalogue.count - 1].id)
        out.append("}")
        return out
    }

    private static func append(id: String, name: String, created: String, to out: inout [UInt8]) {
        out.append("{\"type\":\"model\",\"id\":")
        out.append(jsonString: id)
        out.append(",\"display_name\":")
        out.append(jsonString: name)
        out.append(",\"created_at\":")
        out.append(jsonString: created)
        out.append("}")
    }
}
