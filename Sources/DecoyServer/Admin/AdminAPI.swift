import DecoyEngine
import DecoyProfile
import DecoyProviders
import Foundation
import NIOCore

/// `/_decoy/*` and `/metrics`: the ledger, resets, profile reloads and the live page.
///
/// Answers loopback clients only, unless the server has an admin token: then anyone presenting it as a
/// bearer token, and nobody else.
struct AdminAPI {
    let shared: ServerContext

    /// Whether a path belongs to the admin API rather than to a provider.
    static func owns(_ path: Substring) -> Bool {
        // By UTF-8 byte: asked of every request, and `hasPrefix` on a `Substring` walks `Character`s.
        let bytes = path.utf8
        return bytes.elementsEqual("/metrics".utf8) || (bytes.starts(with: "/_decoy".utf8) && (bytes.count == 7 || bytes.dropFirst(7).first == UInt8(ascii: "/")))
    }

    /// The answer to an admin request: cheap ones at once; the rest (reports, loads, resets) from
    /// `ServerContext.blocking`, delivered on `loop`, the connection's.
    func respond(
        to head: HTTP1Head, path: Substring, query: Substring, body: ByteBuffer?, tooLarge: Bool,
        remote: SocketAddress?, on loop: any EventLoop
    ) -> AdminAnswer {
        if let refusal = authorize(head.fields, remote: remote) { return .now(refusal) }
        if tooLarge { return .now(Self.json(413, ["error": "request body too large"])) }
        switch (head.method, path) {
        case ("GET", "/_decoy"), ("GET", "/_decoy/"):
            return .now(Reply(status: 200, headers: [("content-type", "text/html; charset=utf-8")], body: .full(Array(LivePage.html.utf8))))
        case ("GET", "/_decoy/stats"):
            return later(on: loop) { shared in Self.encoded(StatsReport.make(shared)) }
        case ("GET", "/_decoy/series"):
            return later(on: loop) { shared in Self.encoded(SeriesReport.make(shared)) }
        case ("POST", "/_decoy/reset"):
            // Off the loop too: it waits for any load in progress (they share a lock).
            return later(on: loop) { shared in
                shared.reset()
                return Self.json(200, ["reset": true])
            }
        case ("GET", "/_decoy/profile"):
            guard let text = shared.generation.sourceText else {
                return .now(Self.json(404, ["error": "the profile in force was not read from text"]))
            }
            return .now(Reply(status: 200, headers: [("content-type", "application/yaml")], body: .full(Array(text.utf8))))
        case ("PUT", "/_decoy/profile"):
            return later(on: loop) { shared in
                let text = body.map { String(buffer: $0) } ?? ""
                return Self.load(shared) { () throws(ProfileErrors) -> Profile in
                    let profile = try ProfileLoader.parse(text, file: "PUT /_decoy/profile")
                    shared.load(profile, sourceText: text)
                    return profile
                }
            }
        case ("POST", "/_decoy/reload"):
            guard let path = shared.admin.profilePath else {
                return .now(Self.json(409, ["error": "the server was not started from a profile file"]))
            }
            return later(on: loop) { shared in Self.reload(shared, path) }
        case ("GET", "/metrics"):
            return later(on: loop) { shared in
                let text = MetricsExporter.shared.render(shared)
                return Reply(status: 200, headers: [("content-type", "text/plain; version=0.0.4; charset=utf-8")], body: .full(Array(text.utf8)))
            }
        default:
            return .now(Self.json(404, ["error": "no admin endpoint \(head.method) \(path)"]))
        }
    }

    /// `work`'s reply, made by `shared.blocking`; a 503 if that has stopped (the server is stopping).
    private func later(on loop: any EventLoop, _ work: @escaping @Sendable (ServerContext) -> Reply) -> AdminAnswer {
        let shared = shared
        return .later(
            shared.blocking.run(on: loop) { work(shared) }.recover { _ in
                Self.json(503, ["error": "the server is stopping"])
            })
    }

    /// Reloads the profile file the server was started with. Reads the file: runs off the loops.
    static func reload(_ shared: ServerContext, _ path: String) -> Reply {
        load(shared) { () throws(ProfileErrors) -> Profile in try shared.loadFile(path) }
    }

    /// Loads a profile (`read` parses it and hands it to `shared`), or answers 400 with every error as
    /// FILE:LINE:COLUMN: message.
    private static func load(_ shared: ServerContext, _ read: () throws(ProfileErrors) -> Profile) -> Reply {
        do {
            let profile = try read()
            shared.logger.info("loaded profile '\(profile.name)' from \(profile.source) (\(profile.routes.count) routes)")
            return encoded(LoadReport(loaded: profile.name, source: profile.source, routes: profile.routes.map(\.name)))
        } catch {
            shared.logger.error("profile refused, the old one stays in force:\n\(error.description)")
            return encoded(LoadFailure(errors: error.errors.map(\.description)), status: 400)
        }
    }

    private func authorize(_ fields: HTTP1Fields, remote: SocketAddress?) -> Reply? {
        if let token = shared.admin.token {
            let given = fields.first("authorization").map { String(RequestHeaders.credentials(fromAuthorization: $0)) }
            guard let given, Self.constantTimeEqual(given, token) else {
                var reply = Self.json(401, ["error": "the admin API needs 'Authorization: Bearer <admin token>'"])
                reply.headers.append(("www-authenticate", "Bearer"))
                return reply
            }
            return nil
        }
        guard Self.isLoopback(remote) else {
            return Self.json(403, ["error": "the admin API answers loopback clients only; start with --admin-token to open it"])
        }
        return nil
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }

    static func json(_ status: Int, _ object: [String: Any]) -> Reply {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Reply(status: status, headers: [("content-type", "application/json")], body: .full(Array(data)))
    }

    static func encoded(_ value: some Encodable, status: Int = 200) -> Reply {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Reply(status: status, headers: [("content-type", "application/json")], body: .full(Array(data)))
    }
}

/// What the admin API answers a request with.
enum AdminAnswer {
    /// A reply made at once, on the loop: the cheap paths (refusals, the live page, the profile's text).
    case now(Reply)
    /// A reply made off the loop, delivered on the connection's loop; the future never fails.
    case later(EventLoopFuture<Reply>)
}

/// What `PUT /_decoy/profile` answers on success.
struct LoadReport: Encodable {
    let loaded: String
    let source: String
    let routes: [String]
}

/// What it answers when the profile is refused.
struct LoadFailure: Encodable {
    let errors: [String]
}
