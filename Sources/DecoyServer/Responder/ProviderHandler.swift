import DecoyEngine
import DecoyProfile
import DecoyProviders
import NIOCore
import NIOHTTP1

/// One per connection: collects a request, runs it through Router → Dialect → Engine, and hands the
/// resulting plan to the `Responder` half (see `ProviderHandler+Respond.swift`).
///
/// `HTTPServerPipelineHandler` sits in front, so there is at most one request in flight per
/// connection even when the client pipelines.
final class ProviderHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let shared: ServerContext

    /// The request being read.
    var pending: PendingRequest?
    /// The answer being written: what is scheduled, what remains of a stream.
    var active: ActiveResponse?
    /// The profile generation this connection last used; refreshed when a reload bumps the version.
    private var cached: ServerContext.Generation?

    init(shared: ServerContext) { self.shared = shared }

    struct PendingRequest {
        var head: HTTPRequestHead
        var path: Substring
        var query: Substring
        var outcome: Router.Outcome
        var body: ByteBuffer?
        var tooLarge = false
        /// The head is over the server's limit.
        var headTooLarge = false
        /// For `/_decoy/*` and `/metrics` rather than a provider.
        var admin = false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let (path, query) = Self.split(head.uri)
            let outcome = shared.router.route(method: head.method.rawValue, path: path)
            var request = PendingRequest(head: head, path: path, query: query, outcome: outcome)
            request.admin = AdminAPI.owns(path)
            request.headTooLarge = Self.headSize(head) > shared.maxHeaderBytes
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > shared.maxBodyBytes {
                request.tooLarge = true
            }
            pending = request
        case .body(var part):
            guard var request = pending, !request.tooLarge else { return }
            pending = nil  // keep the buffer uniquely referenced while appending
            if (request.body?.readableBytes ?? 0) + part.readableBytes > shared.maxBodyBytes {
                request.tooLarge = true
                request.body = nil
            } else if request.body == nil {
                request.body = part
            } else {
                request.body!.writeBuffer(&part)
            }
            pending = request
        case .end:
            guard let request = pending else { return }
            pending = nil
            context.triggerUserOutboundEvent(ConnectionGuard.RequestRead(), promise: nil)
            if request.admin {
                let reply = AdminAPI(shared: shared).respond(
                    to: request.head, path: request.path, query: request.query, body: request.body,
                    tooLarge: request.tooLarge, remote: context.channel.remoteAddress)
                return start(Answer(reply: reply, keepAlive: request.head.isKeepAlive, version: request.head.version), context)
            }
            dispatch(request, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        active?.cancel()
        active = nil
        context.fireChannelInactive()
    }

    /// Routes, parses, plans and starts the answer.
    private func dispatch(_ request: PendingRequest, context: ChannelHandlerContext) {
        let method = request.head.method.rawValue
        let headers = RequestHeaders(headers: request.head.headers)
        let keepAlive = request.head.isKeepAlive
        let found: EndpointPath
        let captures: [String: Substring]
        switch request.outcome {
        case .notFound(let dialect):
            return respondNow(dialect, .notFound(method: method, path: request.path), request, context)
        case .wrongMethod(let dialect, let allowed):
            return respondNow(
                dialect, .methodNotAllowed(method: method, path: request.path, allowed: allowed), request, context)
        case .found(let entry, let pathCaptures):
            found = entry
            captures = pathCaptures
        }
        let dialect = found.dialect
        if request.headTooLarge {
            var error = ProviderError(
                status: 431, message: "Request header fields too large: the limit is \(shared.maxHeaderBytes) bytes.",
                type: "invalid_request_error")
            error.headers = [("connection", "close")]
            var closing = request
            closing.head.headers.replaceOrAdd(name: "connection", value: "close")
            return refuse(dialect.render(error), endpoint: found.endpoint, closing, context)
        }
        if request.tooLarge {
            return respondNow(dialect, .bodyTooLarge(limit: shared.maxBodyBytes), request, context)
        }
        let head = RequestHead(
            method: method, path: request.path, query: request.query, endpoint: found.endpoint, captures: captures,
            apiKey: headers.apiKey)
        let body = request.body.map { Array($0.readableBytesView) } ?? []
        var parsed: ParsedRequest
        switch dialect.parse(head, body: body) {
        case .success(let value): parsed = value
        case .failure(let error):
            return refuse(dialect.render(error), endpoint: found.endpoint, request, context)
        }
        do {
            parsed.sim.forced = try headers.forcedOutcome()
        } catch {
            let bad = ProviderError(status: 400, message: error.message, type: "invalid_request_error", param: "x-decoy-fault")
            return refuse(dialect.render(bad), endpoint: found.endpoint, request, context)
        }
        let generation = currentGeneration()
        let now = NIODeadline.now().uptimeNanoseconds
        // Buckets run on the loop's clock: the same reading as `now` on a real loop, simulated time in tests.
        let plan = generation.engine.plan(
            parsed.sim, headers: headers, nowNanos: Int64(context.eventLoop.now.uptimeNanoseconds))
        execute(
            plan, parsed: parsed, dialect: dialect, keepAlive: keepAlive, version: request.head.version,
            ledgers: generation.ledgers, nowNanos: now, context: context)
    }

    /// The generation in force, re-read only when a reload moved the version.
    private func currentGeneration() -> ServerContext.Generation {
        if let cached, cached.version == shared.currentVersion { return cached }
        let fresh = shared.generation
        cached = fresh
        return fresh
    }

    /// Answers at once a request that never reached the engine, and counts it as unrouted.
    private func refuse(_ reply: Reply, endpoint: Endpoint?, _ request: PendingRequest, _ context: ChannelHandlerContext) {
        shared.ledger.unrouted.record(
            .invalid, endpoint: endpoint, status: reply.status, nowNanos: NIODeadline.now().uptimeNanoseconds)
        start(Answer(reply: reply, keepAlive: request.head.isKeepAlive, version: request.head.version), context)
    }

    private func respondNow(
        _ dialect: any Dialect, _ stock: StockError, _ request: PendingRequest, _ context: ChannelHandlerContext
    ) {
        refuse(dialect.render(dialect.error(stock)), endpoint: nil, request, context)
    }

    /// The bytes a request head takes on the wire, near enough.
    static func headSize(_ head: HTTPRequestHead) -> Int {
        var size = head.uri.utf8.count + 16
        for header in head.headers { size += header.name.utf8.count + header.value.utf8.count + 4 }
        return size
    }

    /// Splits a request URI into path and query.
    static func split(_ uri: String) -> (Substring, Substring) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri[...], "") }
        return (uri[..<mark], uri[uri.index(after: mark)...])
    }
}
