import DecoyProfile

/// What the Engine needs to know of a request, whichever provider it was sent to.
///
/// A dialect fills it from the request body with a single scan; it holds no JSON.
public struct SimRequest: Sendable {
    public var endpoint: Endpoint
    /// Upper-case HTTP method.
    public var method: String
    /// The path without the query.
    public var path: Substring
    public var model: String?
    public var stream: Bool
    /// Estimated tokens in the prompt (or the embedding input).
    public var promptTokens: Int
    /// The completion cap the request asked for (`max_tokens`, `maxOutputTokens`, …).
    public var maxTokens: Int?
    /// How many choices (`n`); at least 1.
    public var choices: Int
    /// The caller's key (`Authorization: Bearer`, `api-key`, `x-goog-api-key`), for `per: [api_key]`.
    public var apiKey: Substring?
    /// The project in the path (Vertex), for `per: [project]`.
    public var project: Substring?
    /// The caller's bearer token is one Decoy's token endpoint issued (the dialect checked it), for `auth: issued`.
    public var tokenIssued: Bool = false
    /// A fault or status forced by the `x-decoy-fault` header.
    public var forced: ErrorRule.Outcome?

    public init(
        endpoint: Endpoint, method: String = "POST", path: Substring = "/", model: String? = nil,
        stream: Bool = false, promptTokens: Int = 0, maxTokens: Int? = nil, choices: Int = 1,
        apiKey: Substring? = nil, project: Substring? = nil, forced: ErrorRule.Outcome? = nil
    ) {
        self.endpoint = endpoint
        self.method = method
        self.path = path
        self.model = model
        self.stream = stream
        self.promptTokens = promptTokens
        self.maxTokens = maxTokens
        self.choices = choices
        self.apiKey = apiKey
        self.project = project
        self.forced = forced
    }
}

/// Read access to request headers, so the Engine can match and scope on them without knowing NIO.
public protocol HeaderSource {
    /// The first value of a header, by case-insensitive name.
    func first(_ name: String) -> String?
}

/// No headers at all; handy in tests.
public struct NoHeaders: HeaderSource {
    public init() {}
    public func first(_ name: String) -> String? { nil }
}
