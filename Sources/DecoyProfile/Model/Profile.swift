/// The whole behaviour of the farm, as read from one YAML file: an immutable snapshot.
public struct Profile: Sendable, Equatable {
    public var name: String
    /// When set, latency and fault draws repeat run to run.
    public var seed: UInt64?
    public var listen: Listen
    /// Server limits and timeouts; a flag on the command line wins over each.
    public var server: Server = Server()
    /// What every endpoint no route names does.
    public var defaults: Behavior
    /// First match wins.
    public var routes: [Route]
    /// The file it came from (`<embedded default>` for the built-in one).
    public var source: String

    public init(
        name: String, seed: UInt64? = nil, listen: Listen = Listen(), defaults: Behavior = Behavior(),
        routes: [Route] = [], source: String = "<memory>"
    ) {
        self.name = name
        self.seed = seed
        self.listen = listen
        self.defaults = defaults
        self.routes = routes
        self.source = source
    }

    /// Limits and timeouts of the server, each `nil` when the profile leaves it to the default.
    public struct Server: Sendable, Equatable {
        public var threads: Int?
        public var maxBodyBytes: Int?
        public var maxHeaderBytes: Int?
        public var maxConnections: Int?
        /// Seconds a client has to send a whole request once it has started one.
        public var requestTimeout: Double?
        /// Seconds an idle keep-alive connection is kept open.
        public var idleTimeout: Double?
        /// Seconds a graceful stop waits for requests in flight.
        public var drainTimeout: Double?
        public init() {}
    }

    /// Where to serve, unless the command line says otherwise.
    public struct Listen: Sendable, Equatable {
        public var host: String
        public var port: Int
        public init(host: String = "0.0.0.0", port: Int = 8090) {
            self.host = host
            self.port = port
        }
    }
}

/// One mistake in a profile, with the place it was made.
public struct ProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ message: String, at location: SourceLocation) {
        self.location = location
        self.message = message
    }

    /// `FILE:LINE:COLUMN: message`, as compilers print.
    public var description: String { "\(location): \(message)" }
}

/// Every mistake found in one profile; a profile with any is not loaded.
public struct ProfileErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ProfileError]
    public init(_ errors: [ProfileError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
