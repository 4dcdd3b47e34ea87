import DecoyProfile

/// The words a fake completion says: lorem ipsum, the caller's own words, or a fixed text.
///
/// One token is one word with its leading space, which keeps token counts and stream chunks in step.
struct TextGenerator: Sendable {
    private let words: [String]
    private let offset: Int
    /// The words are lorem's, from its first: `text(tokens:)` can cut from `loremRun`.
    private let isPlainLorem: Bool

    static let lorem: [String] = """
        Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et \
        dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip \
        ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu \
        fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt \
        mollit anim id est laborum.
        """.split(separator: " ").map(String.init)

    /// The text answering `request`, whose prompt is decoded only for `content: echo` (decoding it
    /// costs as much as scanning it).
    init(content: Behavior.Content, for request: borrowing ParsedRequest) {
        if case .echo = content {
            self.init(content: content, echo: request.echo)
        } else {
            self.init(content: content, echo: nil)
        }
    }

    /// `echo` is the caller's words, for `content: echo`.
    init(content: Behavior.Content, echo: String?, offset: Int = 0) {
        switch content {
        case .lorem:
            words = Self.lorem
        case .echo:
            let split = (echo ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
            words = split.isEmpty ? Self.lorem : split
        case .fixed(let text):
            let split = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            words = split.isEmpty ? [""] : split
        }
        self.offset = offset
        if case .lorem = content { isPlainLorem = offset == 0 } else { isPlainLorem = false }
    }

    /// Token `i` of the text (0-based): the word, with a space before all but the first.
    func token(_ i: Int) -> String {
        let word = words[(i + offset) % words.count]
        return i == 0 ? word : " " + word
    }

    /// The first `count` tokens joined.
    func text(tokens count: Int) -> String {
        if isPlainLorem, count < Self.loremRunEnds.count {
            let run = Self.loremRun.utf8
            return String(Substring(run[..<run.index(run.startIndex, offsetBy: Self.loremRunEnds[count])]))
        }
        var out = ""
        for i in 0..<count { out += token(i) }
        return out
    }

    /// The first `count` tokens as a JSON string literal, made once for however many choices
    /// carry it: plain lorem is a cut of `loremRun` (nothing in it needs escaping, nothing is
    /// copied until it is written), anything else is escaped once.
    func jsonLiteral(tokens count: Int) -> JSONLiteral {
        if isPlainLorem, count < Self.loremRunEnds.count { return .lorem(end: Self.loremRunEnds[count]) }
        var escaped: [UInt8] = []
        escaped.append(jsonString: text(tokens: count))
        return .escaped(escaped)
    }

    enum JSONLiteral {
        /// Lorem's run up to `end`, between quotes.
        case lorem(end: Int)
        case escaped([UInt8])

        /// Its size in bytes, quotes included.
        var count: Int {
            switch self {
            case .lorem(let end): end + 2
            case .escaped(let bytes): bytes.count
            }
        }

        func append(to out: inout [UInt8]) {
            switch self {
            case .lorem(let end):
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: TextGenerator.loremRunBytes[..<end])
                out.append(UInt8(ascii: "\""))
            case .escaped(let bytes):
                out.append(contentsOf: bytes)
            }
        }
    }

    fileprivate static let loremRunBytes = Array(loremRun.utf8)

    /// Lorem's first 4,096 tokens joined, and where token `i` ends (`loremRunEnds[0]` is 0), so the
    /// common case of `text(tokens:)` is one copy rather than a join.
    private static let (loremRun, loremRunEnds): (String, [Int]) = {
        var run = ""
        var ends = [0]
        let generator = TextGenerator(words: lorem)
        for i in 0..<4096 {
            run += generator.token(i)
            ends.append(run.utf8.count)
        }
        return (run, ends)
    }()

    private init(words: [String]) {
        self.words = words
        self.offset = 0
        self.isPlainLorem = false
    }
}
