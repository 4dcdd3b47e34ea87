/// One entry of the profile's route table: which requests it claims and how it treats them.
public struct Route: Sendable, Equatable {
    /// Unique within a profile; shows in metrics, logs and the admin API.
    public var name: String
    public var match: RouteMatch
    /// Latency and response shape, already merged with the profile's `defaults`.
    public var behavior: Behavior
    /// Quota; `nil` admits everything.
    public var limit: Limit?
    /// Injected errors and faults, tried in order.
    public var errors: [ErrorRule]
    /// The credential a request needs; `nil` leaves it to the endpoint (`Endpoint.defaultAuth`).
    public var auth: Auth?
    /// Where the route was written, for messages.
    public var location: SourceLocation

    public init(
        name: String, match: RouteMatch, behavior: Behavior, limit: Limit? = nil,
        errors: [ErrorRule] = [], auth: Auth? = nil, location: SourceLocation = .unknown
    ) {
        self.name = name
        self.match = match
        self.behavior = behavior
        self.limit = limit
        self.errors = errors
        self.auth = auth
        self.location = location
    }
}

/// The conditions a request must meet for a route to claim it; all given ones must hold.
public struct RouteMatch: Sendable, Equatable {
    /// Endpoint ids; empty means any endpoint (then `path` usually decides).
    public var endpoints: [Endpoint]
    public var path: PathPattern?
    /// Upper-case HTTP method, or `nil` for any.
    public var method: String?
    /// Exact model name, or `nil` for any.
    public var model: String?
    /// Header conditions: lower-cased name and exact value.
    public var headers: [HeaderCondition]

    public init(
        endpoints: [Endpoint] = [], path: PathPattern? = nil, method: String? = nil, model: String? = nil,
        headers: [HeaderCondition] = []
    ) {
        self.endpoints = endpoints
        self.path = path
        self.method = method
        self.model = model
        self.headers = headers
    }

    public struct HeaderCondition: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name.lowercased()
            self.value = value
        }
    }
}

/// What a served request looks like: how long it takes and how much it says.
public struct Behavior: Sendable, Equatable {
    /// Delay before the response head (and the whole body of a non-stream response).
    public var firstByte: Distribution
    /// Gap between stream chunks; a non-stream response also waits this per completion token.
    public var perToken: Distribution
    /// How many tokens a completion generates when the request does not cap it lower.
    public var completionTokens: Distribution
    public var content: Content
    /// The model name an answer reports in its body (`response.model`), as a provider names the model
    /// behind an alias or an Azure deployment (`gpt-4o-2024-08-06`); `nil` reports the requested one.
    public var model: String?

    public init(
        firstByte: Distribution = .zero, perToken: Distribution = .zero,
        completionTokens: Distribution = .uniform(min: 20, max: 60), content: Content = .lorem, model: String? = nil
    ) {
        self.firstByte = firstByte
        self.perToken = perToken
        self.completionTokens = completionTokens
        self.content = content
        self.model = model
    }

    /// What the generated text says.
    public enum Content: Sendable, Equatable {
        /// Lorem-ipsum words.
        case lorem
        /// The last user message, repeated as needed.
        case echo
        /// This exact text, repeated as needed.
        case fixed(String)
    }
}

/// A route's quota: token buckets (requests and tokens) and an in-flight cap.
public struct Limit: Sendable, Equatable {
    /// Requests per minute; `nil` means no request bucket.
    public var rpm: Double?
    /// Tokens (prompt + completion) per minute; `nil` means no token bucket.
    public var tpm: Double?
    public var burst: Burst
    /// Scopes that split the quota: one bucket per distinct value of each.
    public var per: [Scope]
    /// Requests in flight beyond this wait in the queue or get 429.
    public var concurrency: Int?
    /// How many requests may wait for a concurrency slot; 0 refuses at once.
    public var queue: Int
    /// Whether the 429 this limit gives names its wait in a `retry-after` header.
    public var retryAfter: RetryAfter

    public init(
        rpm: Double? = nil, tpm: Double? = nil, burst: Burst = .duration(1), per: [Scope] = [],
        concurrency: Int? = nil, queue: Int = 0, retryAfter: RetryAfter = .provider
    ) {
        self.rpm = rpm
        self.tpm = tpm
        self.burst = burst
        self.per = per
        self.concurrency = concurrency
        self.queue = queue
        self.retryAfter = retryAfter
    }

    /// The `retry-after` header of a limit's 429 (`limit.retry_after`). Proxies act on it (LiteLLM cools a
    /// deployment down for its seconds, else for 5 s), so a header the provider never sends makes a test
    /// unrealistic.
    public enum RetryAfter: String, Sendable, Equatable, CaseIterable {
        /// What the real provider sends: OpenAI and Azure a `retry-after` (Azure also `retry-after-ms`),
        /// Vertex AI and the Gemini API none (the Gemini API names its wait in the body's `RetryInfo`).
        case provider
        /// An integer `retry-after` header whatever the provider.
        case header
        /// No `retry-after` header whatever the provider (`none` in a profile; not `.none`, which would read
        /// as `Optional.none` wherever the value is optional).
        case noHeader = "none"
    }

    /// A bucket's size: a time's worth of the rate, or a count.
    public enum Burst: Sendable, Equatable {
        case duration(Double)
        case count(Double)
    }

    /// What a separate bucket is kept for.
    public enum Scope: Sendable, Equatable, Hashable {
        case apiKey
        case model
        case project
        /// A request header, lower-cased.
        case header(String)
        /// The scope as a profile writes it in `per:` (`api_key`, `header:x-team`).
        public var name: String {
            switch self {
            case .apiKey: "api_key"
            case .model: "model"
            case .project: "project"
            case .header(let header): "header:\(header)"
            }
        }
    }
}

/// One injected misbehaviour and when it fires.
public struct ErrorRule: Sendable, Equatable {
    public var trigger: Trigger
    public var outcome: Outcome

    public init(trigger: Trigger, outcome: Outcome) {
        self.trigger = trigger
        self.outcome = outcome
    }

    public enum Trigger: Sendable, Equatable {
        /// Each request independently, with this probability in [0, 1].
        case rate(Double)
        /// The first N requests the route sees.
        case first(Int)
        /// Every Nth request (the Nth, 2Nth, …).
        case every(Int)
    }

    public enum Outcome: Sendable, Equatable {
        /// An HTTP error in the dialect's own envelope; `retryAfter` in seconds.
        case status(Int, retryAfter: Double?)
        case fault(Fault)
    }
}

/// A misbehaviour on the connection rather than in the HTTP answer.
public enum Fault: String, Sendable, CaseIterable, Equatable {
    /// TCP reset before any response byte.
    case reset
    /// Accept, read, never answer.
    case stall
    /// Close halfway through the body or the stream.
    case truncate
    /// A 200 whose body is not valid JSON.
    case malformed
    /// A 200 stream that later carries the provider's in-band error frame.
    case streamError = "stream_error"
}

/// A place in a profile file, 1-based.
public struct SourceLocation: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public static let unknown = SourceLocation(file: "<unknown>", line: 0, column: 0)

    public var description: String { "\(file):\(line):\(column)" }
}
