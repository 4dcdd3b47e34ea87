import ServiceLifecycle
import UnixSignals

/// SIGINT (Ctrl-C) and SIGTERM: the first says why the farm stops and ends this service, which shuts
/// the service group down gracefully (the server drains). Both are trapped from `init` until the
/// value goes, so a second one during the drain is ignored rather than killing the process.
struct StopSignals: Service {
    private let signals: UnixSignalsSequence

    init() async {
        signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    }

    func run() async {
        for await signal in signals.cancelOnGracefulShutdown() {
            Console.line("decoy: \(signal == .sigint ? "interrupted" : "terminated"), finishing requests in flight")
            return
        }
    }
}
