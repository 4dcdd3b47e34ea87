import DecoyEngine

/// Everything the Responder does for one request, decided before a byte is written: a plain value.
///
/// A dialect turns (request, `Plan`) into a script (`Dialect.script(_:for:)`); the Responder executes
/// it without knowing what a provider is: it waits `delayNanos`, writes the head, then the body whole
/// or the stream's events with a gap drawn before each paced one, and ends as `ending` says. Scripts are
/// tested without a channel (`transcript()`).
public struct ResponseScript: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    /// Nanoseconds before the head: the first byte of a stream, or a whole non-stream answer's time.
    public var delayNanos: Int64
    public var delivery: Delivery
    /// How the answer ends: whole, cut, or with the provider's in-band error.
    public var ending: Ending
    /// What the ledger counts for this request, once, when it arrives.
    public var record: Record
    /// Released when the answer is complete or the connection goes away.
    public var lease: Lease?
    /// A header the Responder fills with the milliseconds from the request's arrival to its head
    /// (OpenAI's `openai-processing-ms`): the true server-side time, known only when the head is written.
    public var processingTimeHeader: StaticString?

    /// What goes on the wire after the delay.
    public enum Delivery: Sendable {
        /// The head and this body.
        case body([UInt8])
        /// The head, then the stream's events, a gap drawn before each paced one.
        case stream(any ReplyStream, gaps: GapSampler)
        /// A TCP reset: no bytes at all.
        case reset
        /// Nothing, ever: the connection is held open until the client gives up.
        case stall
    }

    /// How a body or stream ends.
    public enum Ending: Sendable, Equatable {
        case complete
        /// Close the connection after this many paced events (a body: after half its bytes).
        case cut(afterPaced: Int)
        /// After this many paced events, the stream's own in-band error (`ReplyStream.failure()`), then
        /// the stream ends cleanly.
        case inBandError(afterPaced: Int)
    }

    /// How the ledger counts the request.
    public struct Record: Sendable, Equatable {
        public enum Outcome: Sendable, Equatable {
            case admitted, refused, errored, faulted
            /// Never reached the engine: a bad path, method, body or head.
            case invalid
        }

        /// A connection fault that sends no status.
        public enum Special: Sendable, Equatable { case reset, stall }

        public var outcome: Outcome
        /// The status the client sees: 0 for a reset or stall.
        public var status: Int
        /// Which connection fault, when `status` is 0.
        public var special: Special?
        /// The route's position in `Engine.routeNames`; `nil` for requests that reached no route.
        public var routeIndex: Int?
        /// Whether the answer's whole latency is recorded when it completes (served answers only).
        public var timed: Bool

        public init(_ outcome: Outcome, status: Int, special: Special? = nil, routeIndex: Int? = nil, timed: Bool = false) {
            self.outcome = outcome
            self.status = status
            self.special = special
            self.routeIndex = routeIndex
            self.timed = timed
        }
    }

    public init(
        status: Int, headers: [(String, String)], delayNanos: Int64 = 0, delivery: Delivery, ending: Ending = .complete,
        record: Record, lease: Lease? = nil
    ) {
        self.status = status
        self.headers = headers
        self.delayNanos = delayNanos
        self.delivery = delivery
        self.ending = ending
        self.record = record
        self.lease = lease
    }

    /// A rendered reply as a script: at once, complete.
    public init(_ reply: Reply, record: Record, delayNanos: Int64 = 0, lease: Lease? = nil, gaps: GapSampler = GapSampler()) {
        let delivery: Delivery =
            switch reply.body {
            case .full(let bytes): .body(bytes)
            case .stream(let stream): .stream(stream, gaps: gaps)
            }
        self.init(status: reply.status, headers: reply.headers, delayNanos: delayNanos, delivery: delivery, record: record, lease: lease)
    }
}

extension ResponseScript {
    /// The body bytes the script writes, in order, as the Responder would write them (without HTTP
    /// framing or delays), and whether the connection is cut after them. For tests and tools.
    public func transcript() -> (bytes: [UInt8], cut: Bool) {
        switch delivery {
        case .reset, .stall:
            return ([], true)
        case .body(let bytes):
            if case .cut = ending { return (Array(bytes.prefix(bytes.count / 2)), true) }
            return (bytes, false)
        case .stream(var stream, _):
            var out: [UInt8] = []
            var paced = 0
            while true {
                switch ending {
                case .cut(let after) where paced >= after: return (out, true)
                case .inBandError(let after) where paced >= after:
                    out += stream.failure()
                    return (out, false)
                default: break
                }
                guard let event = stream.next() else { return (out, false) }
                if event.paced { paced += 1 }
                out += event.bytes
            }
        }
    }
}
