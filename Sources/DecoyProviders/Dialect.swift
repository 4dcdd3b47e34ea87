import DecoyEngine
import DecoyProfile

/// One provider's wire format: which paths it answers, how it reads requests and how it renders
/// answers and errors. A dialect knows JSON and headers; it knows nothing of sockets, limits or time.
public protocol Dialect: Sendable {
    /// The provider's name in logs and route listings (`openai`, `azure`, …).
    var name: String { get }

    /// Reads a request addressed to one of this dialect's endpoints, or says in the provider's words
    /// what is wrong with it.
    func parse(_ head: RequestHead, body: [UInt8]) throws(ProviderError) -> ParsedRequest

    /// Renders a successful answer on the given schedule (stream or not).
    func render(_ request: ParsedRequest, schedule: Schedule) -> Reply

    /// Renders an error in this provider's envelope.
    func render(_ error: ProviderError) -> Reply

    /// The provider's own wording for an error the server, not the request body, gives rise to.
    func error(_ stock: StockError) -> ProviderError

    /// Renders the provider's 429 for a request a limit refused.
    func render(_ rejection: Rejection, for request: ParsedRequest) -> Reply

    /// A 200 whose body is not valid JSON, as a broken provider might send.
    func renderMalformed(_ request: ParsedRequest) -> Reply

    /// A header the provider fills with its own processing time in milliseconds, if it sends one.
    var processingTimeHeader: StaticString? { get }

    /// A request header naming the API version, which the provider reads (`RequestHead.version`), if any.
    var versionHeader: String? { get }
}

extension Dialect {
    public var processingTimeHeader: StaticString? { nil }
    public var versionHeader: String? { nil }
}

/// The parts of a request head a dialect reads.
public struct RequestHead: Sendable {
    public var method: String
    /// The path without the query.
    public var path: Substring
    /// The query string, without `?`.
    public var query: Substring
    public var endpoint: Endpoint
    /// Values the router captured from the path (`deployment`, `project`, `model`, …).
    public var captures: [String: Substring]
    /// The caller's key, from whichever header the provider uses.
    public var apiKey: Substring?
    /// The value of the dialect's `versionHeader` (Anthropic's `anthropic-version`), which a provider
    /// may require.
    public var version: Substring?

    public init(
        method: String, path: Substring, query: Substring = "", endpoint: Endpoint,
        captures: [String: Substring] = [:], apiKey: Substring? = nil, version: Substring? = nil
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.endpoint = endpoint
        self.captures = captures
        self.apiKey = apiKey
        self.version = version
    }
}

/// What a dialect read from a request: the Engine's view plus what rendering needs.
public struct ParsedRequest: Sendable {
    public var sim: SimRequest
    /// The model named in the request, path or deployment.
    public var model: String
    /// `stream_options.include_usage`.
    public var includeUsage: Bool = false
    /// Embedding inputs: a hash of each, so the same input always gets the same vector.
    public var inputHashes: [UInt64] = []
    /// Requested embedding size.
    public var dimensions: Int?
    /// Embeddings as base64 of little-endian float32 (`encoding_format: base64`).
    public var base64: Bool = false
    /// The last user message, for `content: echo`: decoded only when asked for, so requests to other
    /// routes do not pay for copying the prompt.
    public var echo: String? { echoSource?.text }
    var echoSource: EchoSource?
    /// Stream as one JSON array written element by element instead of SSE (Google without `alt=sse`).
    public var jsonArrayStream: Bool = false
    /// UTF-8 bytes of text in each embedding input, for per-input token counts and billable characters.
    public var inputBytes: [Int] = []

    public init(sim: SimRequest, model: String) {
        self.sim = sim
        self.model = model
    }
}

/// Where a request's last user message lies in its body, in one dialect's shape.
enum EchoSource: Sendable {
    /// An OpenAI message `content`, `prompt` or `input` (or an Anthropic message `content`): a string or
    /// an array of strings or text parts.
    case openAI(JSONValue)
    /// A Gemini `parts` array (or a single part).
    case googleParts(JSONValue)

    var text: String? {
        switch self {
        case .openAI(let value): OpenAIDialect.text(of: value)
        case .googleParts(let parts): VertexDialect.text(of: parts)
        }
    }
}

/// A rendered answer: status, headers and a body written whole or as a paced stream.
public struct Reply: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Body

    public enum Body: Sendable {
        case full([UInt8])
        case stream(any ReplyStream)
    }

    public init(status: Int, headers: [(String, String)], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// The events of a streamed answer, produced one at a time as the Responder paces them.
public protocol ReplyStream: Sendable {
    /// How many events will carry generated content (the ones paced by `per_token`).
    var pacedEvents: Int { get }
    /// The next event, or `nil` when the stream is complete.
    mutating func next() -> StreamEvent?

    /// The provider's in-band error, written in place of the rest of the stream when it fails midway
    /// (`stream_error`), in the shape the stream so far calls for; the stream is over after it.
    mutating func failure() -> [UInt8]
}

/// One write of a stream.
public struct StreamEvent: Sendable {
    public var bytes: [UInt8]
    /// Whether a `per_token` gap comes before it.
    public var paced: Bool

    public init(bytes: [UInt8], paced: Bool) {
        self.bytes = bytes
        self.paced = paced
    }
}

/// Errors every dialect words in its own way.
public enum StockError: Sendable {
    /// No endpoint at this path.
    case notFound(method: String, path: Substring)
    /// An endpoint is here, but not for this method.
    case methodNotAllowed(method: String, path: Substring, allowed: [String])
    /// The body is over the server's limit.
    case bodyTooLarge(limit: Int)
    /// An error a profile rule or `x-decoy-fault` injects.
    case injected(status: Int, retryAfter: Double?)
}

/// An error as a provider reports it: status and the fields its envelope carries.
public struct ProviderError: Error, Sendable {
    public var status: Int
    public var message: String
    /// OpenAI's `type` (`invalid_request_error`, …); Google's `status` is derived from the code.
    public var type: String?
    public var param: String?
    public var code: String?
    /// Seconds for `retry-after`, when the error has one.
    public var retryAfter: Double?
    /// Extra headers (`allow` for a 405, …).
    public var headers: [(String, String)] = []

    public init(
        status: Int, message: String, type: String? = nil, param: String? = nil, code: String? = nil,
        retryAfter: Double? = nil
    ) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.retryAfter = retryAfter
    }
}
