/// A route's `auth:` key.
extension ProfileDecoder {
    static let authWords = ["issued", "any", "none"]

    /// `issued` (a token from Decoy's `POST /token`), `any` (any credential), `none` (anyone), or
    /// `{keys: [KEY, …]}` (only those; a list alone means the same).
    mutating func auth(_ node: YAMLNode) -> Auth? {
        switch node.value {
        case .scalar(let text, _) where !node.isNull:
            switch text {
            case "issued": return .issued
            case "any": return .any
            case "none": return .open
            default:
                var message = "unknown auth '\(text)'"
                if let guess = Suggestion.closest(to: text, among: Self.authWords) { message += "; did you mean '\(guess)'?" }
                error(message + " (expected issued, any, none or {keys: [KEY, ...]})", at: node)
                return nil
            }
        case .sequence:
            return keys(node)
        case .mapping(let entries):
            guard let fields = fields(of: node, "auth", allowed: ["keys"]) else { return nil }
            guard let list = fields["keys"] else {
                // A mapping with only other keys has had them reported already.
                if entries.isEmpty { error("'auth' as a mapping needs 'keys' (a list of accepted keys or bearer tokens)", at: node) }
                return nil
            }
            return keys(list)
        case .scalar:
            error("'auth' needs a value: issued, any, none or {keys: [KEY, ...]}", at: node)
            return nil
        }
    }

    private mutating func keys(_ node: YAMLNode) -> Auth? {
        guard let items = items(node, "keys") else { return nil }
        guard !items.isEmpty else {
            error("'keys' needs at least one key", at: node)
            return nil
        }
        var keys: [String] = []
        for item in items {
            if let key = nonEmptyText(item, "keys") { keys.append(key) }
        }
        return keys.count == items.count ? .keys(keys) : nil
    }
}
