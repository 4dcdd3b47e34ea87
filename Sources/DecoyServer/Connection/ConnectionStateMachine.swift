import NIOCore

/// What an HTTP/1.x server connection is doing, as a value: every decision about reading, answering
/// and closing is made here and returned as an action the handler performs (SwiftNIO's typed state
/// machines do the same). Tested without a channel.
///
/// ```
/// idle ──head──► reading ──end──► answering ──answered, kept──► idle
///                  │                  │
///                  └─too large, 100───┤──answered, not kept / broke──► closing ──inactive──► closed
/// ```
struct ConnectionStateMachine {
    enum State {
        /// Between requests: the next head is awaited.
        case idle
        /// A head is read; its body is coming.
        case reading(PendingRequest)
        /// A request is read whole and its answer is in progress; what the client pipelines waits.
        case answering(lastAnswer: Bool)
        /// Nothing more is read: the last answer is going out, then the connection closes.
        case closing
        case closed
    }

    private(set) var state = State.idle
    /// The server is stopping: the answer in progress is the connection's last.
    private(set) var quiescing = false
    let maxBodyBytes: Int

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Whether the parser should be fed: a request is awaited or being read.
    var isReading: Bool {
        switch state {
        case .idle, .reading: true
        case .answering, .closing, .closed: false
        }
    }

    /// Whether bytes read now are kept: a request is awaited or read, or one that is not the last is
    /// being answered (what the client pipelines behind it waits).
    var acceptsBytes: Bool {
        switch state {
        case .idle, .reading: true
        case .answering(let last): !last
        case .closing, .closed: false
        }
    }

    /// Whether the connection has no request in any stage.
    var isIdle: Bool {
        if case .idle = state { true } else { false }
    }

    enum HeadAction {
        /// Read on.
        case readBody
        /// Send `100 Continue`, then read on.
        case sendContinue
        /// Refuse the request before its body (which the client may never send): answer it now, last.
        case answerNow(PendingRequest)
    }

    /// A request head was read.
    mutating func receivedHead(_ request: PendingRequest) -> HeadAction {
        guard case .idle = state else { preconditionFailure("head while \(state)") }
        var request = request
        if let length = request.head.contentLength, length > maxBodyBytes { request.tooLarge = true }
        if request.head.expectsContinue, request.head.hasBody, request.head.minorVersion >= 1 {
            if request.tooLarge {
                request.head.keepAlive = false
                state = .answering(lastAnswer: true)
                return .answerNow(request)
            }
            state = .reading(request)
            return .sendContinue
        }
        state = .reading(request)
        return .readBody
    }

    /// A part of the body was read: kept, or dropped once the body is over the limit.
    mutating func receivedBody(_ part: inout ByteBuffer) {
        guard case .reading(var request) = state else { return }
        state = .idle  // the request uniquely referenced while its body grows
        if !request.tooLarge {
            if (request.body?.readableBytes ?? 0) + part.readableBytes > maxBodyBytes {
                request.tooLarge = true
                request.body = nil
            } else if request.body == nil {
                request.body = part
            } else {
                request.body!.writeBuffer(&part)
            }
        }
        state = .reading(request)
    }

    /// The request is read whole: answer it (the last answer, if the server is stopping).
    mutating func receivedEnd() -> PendingRequest? {
        guard case .reading(var request) = state else { return nil }
        if quiescing { request.head.keepAlive = false }
        state = .answering(lastAnswer: !request.head.keepAlive)
        return request
    }

    /// The bytes are not HTTP: one answer, then close.
    mutating func unreadable() {
        state = .answering(lastAnswer: true)
    }

    /// Whether the answer about to be written may keep the connection.
    var answerKeepsAlive: Bool {
        if case .answering(let last) = state { return !last && !quiescing }
        return false
    }

    enum AfterAnswer {
        /// Keep the connection: end the answer and parse what the client pipelined.
        case readNext
        /// End the answer and close once it is out.
        case close
    }

    /// The answer is complete.
    mutating func answered(keepAlive: Bool) -> AfterAnswer {
        guard case .answering(let last) = state else { return .close }
        if keepAlive && !last && !quiescing {
            state = .idle
            return .readNext
        }
        state = .closing
        return .close
    }

    /// The answer broke the connection on purpose.
    mutating func answerBroke() {
        if case .closed = state { return }
        state = .closing
    }

    /// The server is stopping. Returns whether to close now (nothing in progress or waiting).
    mutating func quiesce(bytesWaiting: Bool) -> Bool {
        quiescing = true
        guard case .idle = state, !bytesWaiting else { return false }
        state = .closing
        return true
    }

    /// The channel went away.
    mutating func closed() {
        state = .closed
    }
}

/// Which limit a refused head passed.
enum HeadRefusal {
    /// `max_header_bytes`.
    case bytes
    /// `HTTP1Parser.maxFields`.
    case fields
}

/// A request as it is read: its head, where it routes, and its body so far.
struct PendingRequest {
    var head: HTTP1Head
    var path: Substring
    var query: Substring
    var outcome: Router.Outcome
    var body: ByteBuffer?
    /// The body is over the server's limit.
    var tooLarge = false
    /// The head is over one of the server's limits (only its request line was read): its answer is a 431.
    var headRefusal: HeadRefusal?
    /// For `/_decoy/*` and `/metrics` rather than a provider.
    var admin = false

    init(head: HTTP1Head, router: Router) {
        self.head = head
        (path, query) = head.pathAndQuery
        outcome = router.route(method: head.method, path: path)
        admin = AdminAPI.owns(path)
    }
}
