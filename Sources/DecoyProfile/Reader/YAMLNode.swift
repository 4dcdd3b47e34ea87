/// One node of a YAML document, with the place it was written (1-based line and column).
///
/// The reader turns libyaml's events into these straight away, so nothing of libyaml's pointers
/// outlives the parse and the tree can cross threads.
struct YAMLNode: Sendable, Equatable {
    var value: Value
    var line: Int
    var column: Int

    enum Value: Sendable, Equatable {
        /// A scalar's text; `quoted` is true for every style but plain (`'…'`, `"…"`, `|`, `>`).
        case scalar(String, quoted: Bool)
        case sequence([YAMLNode])
        /// Key/value pairs in the order written; keys are nodes so messages can point at them.
        case mapping([Entry])
    }

    /// One key/value pair of a mapping.
    struct Entry: Sendable, Equatable {
        var key: YAMLNode
        var value: YAMLNode
    }

    init(_ value: Value, line: Int, column: Int) {
        self.value = value
        self.line = line
        self.column = column
    }

    /// A plain scalar that YAML's core schema reads as null: empty, `~` or `null`.
    var isNull: Bool {
        guard case .scalar(let text, quoted: false) = value else { return false }
        return text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    /// The text of a scalar node, or `nil` for a collection.
    var scalar: String? {
        if case .scalar(let text, _) = value { return text }
        return nil
    }

    /// What the node is, for messages ("expected a mapping, found a sequence").
    var kindDescription: String {
        switch value {
        case .scalar(let text, let quoted):
            if isNull { return "nothing" }
            return quoted ? "the string \"\(text)\"" : "'\(text)'"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}
