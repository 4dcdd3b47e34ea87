// libFuzzer target for the HTTP/1.x codec and everything behind it: bytes as a client might send
// them, cut into reads where the input says, through the server's real connection pipeline on an
// EmbeddedChannel (ConnectionGuard, HTTP1Parser, ProviderHandler, the dialects, the engine). The
// first byte is the read size (0 sends everything at once); the rest is the conversation. A trap, a
// sanitizer report, or an answer that does not start as HTTP/1.x is a finding.
//
// Built only by `Fuzz/run` (DECOY_FUZZ=1, -sanitize=fuzzer,address, -enable-testing).
import CLibFuzzer
import DecoyProfile
import Glibc
import Logging
import NIOCore
import NIOEmbedded

@testable import DecoyServer

/// Small limits so the fuzzer reaches them. Most requests are answered at once; the `limited` and
/// `paced` models wait and stream with gaps, so timers, queues and pacing are exercised too.
private let shared: ServerContext = {
    let instant = Behavior(firstByte: .fixed(0), perToken: .fixed(0), completionTokens: .fixed(3), content: .lorem)
    let paced = Behavior(firstByte: .fixed(0.01), perToken: .fixed(0.005), completionTokens: .fixed(3), content: .echo)
    let routes = [
        Route(
            name: "limited", match: RouteMatch(model: "limited"), behavior: paced,
            limit: Limit(rpm: 60, burst: .count(2), concurrency: 1, queue: 1)),
        Route(name: "paced", match: RouteMatch(model: "paced"), behavior: paced),
    ]
    let profile = Profile(name: "fuzz", seed: 1, defaults: instant, routes: routes)
    var logger = Logger(label: "fuzz")
    logger.logLevel = .critical
    return ServerContext(profile: profile, maxBodyBytes: 4096, maxHeaderBytes: 1024, logger: logger)
}()

private let configuration = DecoyServer.Configuration()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let step = data[0] == 0 ? size : Int(data[0])
    let bytes = UnsafeBufferPointer(start: data + 1, count: size - 1)

    let channel = EmbeddedChannel()
    try! DecoyServer.configureConnection(channel.pipeline.syncOperations, shared: shared, configuration: configuration)
    try! channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
    var offset = 0
    var answers: [ByteBuffer] = []
    while offset < bytes.count, channel.isActive {
        let end = min(bytes.count, offset + step)
        _ = try? channel.writeInbound(ByteBuffer(bytes: UnsafeBufferPointer(rebasing: bytes[offset..<end])))
        offset = end
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(20))
        while let answer = try? channel.readOutbound(as: ByteBuffer.self) { answers.append(answer) }
    }
    channel.embeddedEventLoop.advanceTime(by: .seconds(120))  // pending answers, then the idle timeout
    while let answer = try? channel.readOutbound(as: ByteBuffer.self) { answers.append(answer) }
    if let first = answers.first {
        precondition(first.readableBytesView.starts(with: "HTTP/1.".utf8), "the first bytes written are not a status line")
    }
    _ = try? channel.finish()
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
