/// A request body checked against RFC 8259 in one pass and indexed for cheap lookups afterwards.
///
/// Dialects read the few fields they need through `root` (`doc.root["model"]?.string`) instead of
/// decoding the body into Swift values: parsing allocates the index and nothing else, and a string
/// becomes a Swift `String` only when `.string` is asked for. Top-level scalars are accepted; a
/// dialect that wants an object checks `root.kind`.
public struct JSONDocument: Sendable {
    /// Nesting deeper than this is rejected (Foundation's `JSONSerialization` stops at the same depth).
    /// The parser does not recurse, so the limit guards consumers, not the parser's stack.
    public static let defaultMaxDepth = 512

    /// Tokens indexed on the stack before the scanner moves to the heap: 5 KB, enough for most chat
    /// bodies, which then cost one allocation (the final index, exactly sized) and no growing array.
    private static let scratchTokens = 256

    /// The body, as given.
    public let bytes: [UInt8]
    let tokens: [JSONToken]

    private init(bytes: [UInt8], tokens: [JSONToken]) {
        self.bytes = bytes
        self.tokens = tokens
    }

    /// Validates `bytes` as one JSON text (UTF-8, an optional leading byte order mark skipped) and
    /// indexes it. Throws the first fault with its position, worded like Python's `json` module.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONDocument {
        let result = bytes.withUnsafeBufferPointer { input in
            withUnsafeTemporaryAllocation(of: JSONToken.self, capacity: scratchTokens) { scratch in
                var scanner = JSONScanner(input, maxDepth: maxDepth, into: scratch)
                do throws(JSONError) {
                    if try scanner.scan() {
                        return Result<[JSONToken], JSONError>.success(Array(scratch[..<scanner.count]))
                    }
                } catch {
                    return .failure(error)
                }
                // Dense body: move to one array sized for everything that can still come.
                var failure: JSONError?
                let tokens = [JSONToken](unsafeUninitializedCapacity: scanner.count + scanner.tokenBound()) {
                    buffer, initialized in
                    scanner.resume(in: buffer)
                    do throws(JSONError) {
                        let done = try scanner.scan()
                        precondition(done, "JSONScanner.tokenBound undercounted")
                    } catch {
                        failure = error
                    }
                    initialized = scanner.count
                }
                return failure.map { .failure($0) } ?? .success(tokens)
            }
        }
        return JSONDocument(bytes: bytes, tokens: try result.get())
    }

    /// Copies any byte sequence (a `ByteBuffer` view, a `Data`, a raw buffer) and parses it.
    public static func parse(_ bytes: some Sequence<UInt8>, maxDepth: Int = defaultMaxDepth) throws(JSONError)
        -> JSONDocument
    {
        try parse(Array(bytes), maxDepth: maxDepth)
    }

    /// Parses the UTF-8 of `text`; for tests and fixtures.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONError) -> JSONDocument {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    /// The top-level value.
    public var root: JSONValue { JSONValue(document: self, index: 0) }
}
