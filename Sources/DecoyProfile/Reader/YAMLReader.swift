import CYAML

/// Turns YAML text into a `YAMLNode` tree with libyaml's event parser.
///
/// One document only; aliases are replaced by the node they name and `<<` merge keys are applied,
/// so the tree the decoder sees is plain data. A syntax error becomes one `ProfileError` at libyaml's mark.
enum YAMLReader {
    /// How many nodes the aliases of one document may expand to, against "billion laughs" files.
    static let expansionLimit = 100_000
    /// How deep collections may nest. libyaml's scanner does work in proportion to the open flow
    /// collections for every token, so 60,000 `[` took seconds; profiles nest about ten levels.
    static let nestingLimit = 100

    /// The document's root, or `nil` when the text holds no document or only an empty one.
    static func parse(_ bytes: [UInt8], file: String) throws(ProfileError) -> YAMLNode? {
        let result: Result<YAMLNode?, ProfileError> = bytes.withUnsafeBufferPointer { buffer in
            var builder = TreeBuilder(file: file, bytes: buffer)
            return Result { () throws(ProfileError) in try builder.run() }
        }
        return try result.get()
    }
}

/// Drives libyaml and assembles the tree; lives for one parse only.
private struct TreeBuilder {
    let file: String
    let bytes: UnsafeBufferPointer<UInt8>
    var stack: [Frame] = []
    var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    var root: YAMLNode?
    var documents = 0
    var expanded = 0

    /// A collection still being read; `size` counts the nodes below it, aliases expanded.
    struct Frame {
        var isMapping: Bool
        var items: [YAMLNode] = []
        var entries: [YAMLNode.Entry] = []
        var pendingKey: YAMLNode?
        var line: Int
        var column: Int
        var anchor: String?
        var size = 1
    }

    init(file: String, bytes: UnsafeBufferPointer<UInt8>) {
        self.file = file
        self.bytes = bytes
    }

    mutating func run() throws(ProfileError) -> YAMLNode? {
        // libyaml keeps a pointer to the parser inside itself, so it must not move: heap, not a Swift local.
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw ProfileError("out of memory starting the YAML parser", at: location(line: 1, column: 1))
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input_string(parser, bytes.baseAddress ?? UnsafePointer(bitPattern: 1)!, bytes.count)

        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else { throw syntaxError(parser.pointee) }
            defer { yaml_event_delete(&event) }
            if event.type == YAML_STREAM_END_EVENT { return root }
            try handle(event)
        }
    }

    private mutating func handle(_ event: yaml_event_t) throws(ProfileError) {
        let line = event.start_mark.line + 1
        let column = event.start_mark.column + 1
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                throw ProfileError(
                    "a profile is one YAML document; found a second one ('---')",
                    at: location(line: line, column: column))
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = Self.string(scalar.value, length: scalar.length)
            let quoted = scalar.style != YAML_PLAIN_SCALAR_STYLE
            try complete(
                YAMLNode(.scalar(text, quoted: quoted), line: line, column: column), size: 1, cost: 1,
                anchor: Self.optionalString(scalar.anchor))
        case YAML_ALIAS_EVENT:
            let name = Self.optionalString(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                throw ProfileError(
                    "alias '*\(name)' names no anchor defined before it", at: location(line: line, column: column))
            }
            try complete(target.node, size: target.size, cost: target.size, anchor: nil)
        case YAML_SEQUENCE_START_EVENT where stack.count >= YAMLReader.nestingLimit,
            YAML_MAPPING_START_EVENT where stack.count >= YAMLReader.nestingLimit:
            throw ProfileError(
                "collections nest deeper than \(YAMLReader.nestingLimit) levels", at: location(line: line, column: column))
        case YAML_SEQUENCE_START_EVENT:
            stack.append(
                Frame(
                    isMapping: false, line: line, column: column,
                    anchor: Self.optionalString(event.data.sequence_start.anchor)))
        case YAML_MAPPING_START_EVENT:
            stack.append(
                Frame(
                    isMapping: true, line: line, column: column,
                    anchor: Self.optionalString(event.data.mapping_start.anchor)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            let frame = stack.removeLast()
            let node: YAMLNode
            if frame.isMapping {
                node = YAMLNode(.mapping(try applyMerges(frame.entries)), line: frame.line, column: frame.column)
            } else {
                node = YAMLNode(.sequence(frame.items), line: frame.line, column: frame.column)
            }
            try complete(node, size: frame.size, cost: 1, anchor: frame.anchor)
        default:
            break  // stream start, document end
        }
    }

    /// Hands a finished node to the collection around it (or makes it the root) and records its anchor.
    /// `size` is the node's subtree; `cost` what it adds to the expansion count (its children were counted).
    private mutating func complete(_ node: YAMLNode, size: Int, cost: Int, anchor: String?) throws(ProfileError) {
        expanded += cost
        if expanded > YAMLReader.expansionLimit {
            throw ProfileError(
                "aliases expand this document past \(YAMLReader.expansionLimit) nodes",
                at: location(line: node.line, column: node.column))
        }
        if let anchor { anchors[anchor] = (node, size) }
        guard var frame = stack.popLast() else {
            root = node.isNull ? nil : node
            return
        }
        frame.size += size
        if !frame.isMapping {
            frame.items.append(node)
        } else if let key = frame.pendingKey {
            frame.entries.append(YAMLNode.Entry(key: key, value: node))
            frame.pendingKey = nil
        } else {
            frame.pendingKey = node
        }
        stack.append(frame)
    }

    /// Applies YAML's `<<` merge keys: the merged mappings' entries, unless the mapping sets that key itself.
    private func applyMerges(_ entries: [YAMLNode.Entry]) throws(ProfileError) -> [YAMLNode.Entry] {
        guard entries.contains(where: { Self.isMergeKey($0.key) }) else { return entries }
        var own: [YAMLNode.Entry] = []
        var sources: [YAMLNode] = []
        for entry in entries {
            guard Self.isMergeKey(entry.key) else {
                own.append(entry)
                continue
            }
            switch entry.value.value {
            case .mapping: sources.append(entry.value)
            case .sequence(let items) where items.allSatisfy({ if case .mapping = $0.value { true } else { false } }):
                sources.append(contentsOf: items)
            default:
                throw ProfileError(
                    "'<<' merges a mapping or a list of mappings, not \(entry.value.kindDescription)",
                    at: location(line: entry.value.line, column: entry.value.column))
            }
        }
        var taken = Set(own.compactMap { $0.key.scalar })
        var merged = own
        for source in sources {
            guard case .mapping(let sourceEntries) = source.value else { continue }
            for entry in sourceEntries {
                guard let key = entry.key.scalar, !taken.contains(key) else { continue }
                taken.insert(key)
                merged.append(entry)
            }
        }
        return merged
    }

    private static func isMergeKey(_ node: YAMLNode) -> Bool {
        node.value == .scalar("<<", quoted: false)
    }

    private func syntaxError(_ parser: yaml_parser_t) -> ProfileError {
        let problem = Self.optionalString(parser.problem) ?? "unreadable YAML"
        if parser.error == YAML_READER_ERROR {
            let (line, column) = lineAndColumn(ofOffset: parser.problem_offset)
            return ProfileError("invalid text: \(problem)", at: location(line: line, column: column))
        }
        var message = "invalid YAML: \(problem)"
        if let context = Self.optionalString(parser.context) {
            message += " (\(context) at \(parser.context_mark.line + 1):\(parser.context_mark.column + 1))"
        }
        return ProfileError(
            message, at: location(line: parser.problem_mark.line + 1, column: parser.problem_mark.column + 1))
    }

    /// libyaml gives reader errors (bad encoding) as a byte offset only.
    private func lineAndColumn(ofOffset offset: Int) -> (Int, Int) {
        var line = 1
        var column = 1
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }

    private func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line, column: column)
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int) -> String {
        guard let pointer else { return "" }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: length), as: UTF8.self)
    }

    private static func optionalString(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private static func optionalString(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }
}
