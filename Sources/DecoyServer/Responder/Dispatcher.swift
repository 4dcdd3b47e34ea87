import DecoyEngine
import DecoyProfile
import DecoyProviders
import NIOCore

/// Turns a request read whole into the script that answers it: Router outcome → Dialect.parse →
/// Engine.plan → Dialect.script, and counts it in the ledger as it arrives. One per connection, used on
/// its loop; it writes nothing.
struct Dispatcher {
    let shared: ServerContext
    /// The profile generation this connection last used; refreshed when a reload bumps the version.
    private var cached: ServerContext.Generation?

    init(shared: ServerContext) {
        self.shared = shared
    }

    /// A script and, for a served request, where its latency is recorded when the answer completes.
    typealias Dispatch = (script: ResponseScript, timing: Responder.Timing?)

    /// The answer to a provider request. `arrivalNanos` is a `NIODeadline` reading; `loopNanos`, the
    /// loop's clock, which the buckets run on (the same reading on a real loop, simulated time in tests).
    mutating func dispatch(_ request: PendingRequest, arrivalNanos: UInt64, loopNanos: Int64) -> Dispatch {
        let method = request.head.method
        var found: EndpointPath
        let captures: [String: Substring]
        switch request.outcome {
        case .notFound(let dialect):
            if let limit = request.headRefusal { return refuse(dialect, headTooLarge(limit), endpoint: nil, arrivalNanos) }
            return refuse(dialect, dialect.error(.notFound(method: method, path: request.path)), endpoint: nil, arrivalNanos)
        case .wrongMethod(let dialect, let allowed):
            if let limit = request.headRefusal { return refuse(dialect, headTooLarge(limit), endpoint: nil, arrivalNanos) }
            let error = dialect.error(.methodNotAllowed(method: method, path: request.path, allowed: allowed))
            return refuse(dialect, error, endpoint: nil, arrivalNanos)
        case .found(let entry, let pathCaptures):
            found = entry
            captures = pathCaptures
        }
        if let limit = request.headRefusal {
            return refuse(found.dialect, headTooLarge(limit), endpoint: found.endpoint, arrivalNanos)
        }
        if request.tooLarge {
            return refuse(found.dialect, found.dialect.error(.bodyTooLarge(limit: shared.maxBodyBytes)), endpoint: nil, arrivalNanos)
        }
        let headers = RequestHeaders(fields: request.head.fields)
        let body = request.body.map { Array($0.readableBytesView) } ?? []
        // A path two providers share goes to the one whose headers or body the request bears.
        found = found.answering(headers: headers, body: body)
        let dialect = found.dialect
        // HEAD is GET without the body (the writer leaves it out): a route matching `method: GET` takes it.
        let head = RequestHead(
            method: method == "HEAD" ? "GET" : method, path: request.path, query: request.query, endpoint: found.endpoint, captures: captures,
            apiKey: headers.apiKey, version: dialect.versionHeader.flatMap { headers.first($0)?[...] })
        // Changed in place and from here on only borrowed: a copy of the request costs a retain of each
        // of its strings.
        var parsed: ParsedRequest
        do {
            parsed = try dialect.parse(head, body: body)
        } catch {
            return refuse(dialect, error, endpoint: found.endpoint, arrivalNanos)
        }
        do {
            parsed.sim.forced = try headers.forcedOutcome()
        } catch {
            let bad = ProviderError(status: 400, message: error.message, type: "invalid_request_error", param: "x-decoy-fault")
            return refuse(dialect, bad, endpoint: found.endpoint, arrivalNanos)
        }
        let generation = currentGeneration()
        let plan = generation.engine.plan(parsed.sim, headers: headers, nowNanos: loopNanos)
        let script = dialect.script(plan, for: parsed)
        let record = script.record
        let ledger = generation.ledgers[record.routeIndex ?? 0]
        ledger.record(record, endpoint: parsed.sim.endpoint, nowNanos: arrivalNanos)
        return (script, record.timed ? Responder.Timing(ledger: ledger, startNanos: arrivalNanos) : nil)
    }

    /// Bytes that are not an HTTP/1.x request: a 400 (or a 431 for a head over the limit). No provider
    /// speaks for it: OpenAI's envelope.
    func unreadable(_ failure: HTTP1Parser.Failure) -> ResponseScript {
        let error: ProviderError
        switch failure {
        case .headTooLarge: error = headTooLarge(.bytes)
        case .tooManyFields: error = headTooLarge(.fields)
        case .malformed(let reason):
            error = ProviderError(status: 400, message: "Malformed HTTP request: \(reason).", type: "invalid_request_error")
        }
        return Catalog.openAI.script(refusing: error)
    }

    /// The 431 for a head over a limit, in whichever envelope answers it.
    private func headTooLarge(_ limit: HeadRefusal) -> ProviderError {
        let message =
            switch limit {
            case .bytes: "Request header fields too large: the limit is \(shared.maxHeaderBytes) bytes."
            case .fields: "Request header fields too large: the limit is \(HTTP1Parser.maxFields) fields."
            }
        var error = ProviderError(status: 431, message: message, type: "invalid_request_error")
        error.headers = [("connection", "close")]
        return error
    }

    /// The generation in force, re-read only when a reload moved the version.
    private mutating func currentGeneration() -> ServerContext.Generation {
        if let cached, cached.version == shared.currentVersion { return cached }
        let fresh = shared.generation
        cached = fresh
        return fresh
    }

    /// Answers at once a request that never reached the engine, and counts it as unrouted.
    private func refuse(_ dialect: any Dialect, _ error: ProviderError, endpoint: Endpoint?, _ arrivalNanos: UInt64) -> Dispatch {
        let script = dialect.script(refusing: error)
        shared.ledger.unrouted.record(script.record, endpoint: endpoint, nowNanos: arrivalNanos)
        return (script, nil)
    }
}

extension RouteLedger {
    /// Counts a request as its script says.
    func record(_ record: ResponseScript.Record, endpoint: Endpoint?, nowNanos: UInt64) {
        let special: Special? =
            switch record.special {
            case .reset: .reset
            case .stall: .stall
            case nil: nil
            }
        self.record(Outcome(record.outcome), endpoint: endpoint, status: record.status, special: special, nowNanos: nowNanos)
    }
}

extension RouteLedger.Outcome {
    init(_ outcome: ResponseScript.Record.Outcome) {
        switch outcome {
        case .admitted: self = .admitted
        case .refused: self = .refused
        case .errored: self = .errored
        case .faulted: self = .faulted
        case .invalid: self = .invalid
        }
    }
}
