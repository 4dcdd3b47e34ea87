import ArgumentParser

/// The load client of `bench/run` for what wrk cannot measure: the gaps between the events of many
/// streams, and latency under an open-model (constant arrival rate) load. Loopback only.
@main
struct DecoyLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decoy-load",
        abstract: "Benchmark load for decoy: paced streams and open-model requests, on loopback only.",
        subcommands: [Streams.self, Pace.self])
}

/// Where the load goes, and where the figures are written.
struct Target: ParsableArguments {
    @Option(help: "Server address: 127.0.0.1 or ::1 (this tool loads loopback only).")
    var host = "127.0.0.1"

    @Option(help: "Server port.")
    var port: Int

    @Option(help: "Request path.")
    var path = "/v1/chat/completions"

    @Option(help: "Request body (JSON). Default: a one-message chat completion, with stream as the mode needs.")
    var body: String?

    @Option(help: "Also write the figures as JSON to this file.")
    var json: String?

    func validate() throws {
        guard host == "127.0.0.1" || host == "::1" else {
            throw ValidationError("--host must be 127.0.0.1 or ::1: decoy-load loads loopback only")
        }
        guard (1...65535).contains(port) else { throw ValidationError("--port must be 1...65535") }
    }

    func request(stream: Bool) -> Request {
        Request(
            host: host, port: port, path: path,
            body: body ?? #"{"model":"gpt-4o-mini","stream":\#(stream),"messages":[{"role":"user","content":"Hello"}]}"#)
    }
}
