import DecoyServer
import ServiceLifecycle
import UnixSignals

/// Reloads the profile file on SIGHUP and, with `--watch`, when the file changes, and says how each
/// reload went; stops with the service group.
struct ProfileReloader: Service {
    let server: DecoyServer
    /// The file served; `nil` for the embedded default, which SIGHUP cannot reload (it says so).
    let path: String?
    /// Trapped before the server listens, so that no SIGHUP after that kills the process.
    let hangups: UnixSignalsSequence
    let watch: Bool

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in hangups.cancelOnGracefulShutdown() {
                    report(await server.reloadProfileFile())
                }
            }
            if watch, let path {
                group.addTask { await watchFile(path) }
            }
        }
    }

    /// Checks the file's modification time and size every second.
    private func watchFile(_ path: String) async {
        var last = FileWatch.stamp(path)
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            } catch {
                return  // shutting down
            }
            let now = FileWatch.stamp(path)
            if now != last {
                last = now
                report(await server.reloadProfileFile())
            }
        }
    }

    private func report(_ errors: [String]) {
        if errors.isEmpty {
            Console.line("decoy: reloaded \(path ?? "profile")")
        } else {
            ProfileFile.printError("decoy: profile refused, the old one stays in force:\n" + errors.joined(separator: "\n"))
        }
    }
}
