// libFuzzer target for the YAML profile reader: arbitrary bytes (not only valid UTF-8) go through
// libyaml's events, the node tree and the decoder, the path `decoy check`, SIGHUP and PUT take. A
// profile that loads is then handed to an Engine and planned against, as a reload would, so a value
// the reader lets through but the engine cannot use shows up too.
//
// Built only by `Fuzz/run` (DECOY_FUZZ=1, -sanitize=fuzzer,address, -enable-testing); the top-level
// code at the end hands `fuzz` to libFuzzer's driver, which reads the usual libFuzzer flags.
import CLibFuzzer
import DecoyEngine
import Glibc

@testable import DecoyProfile

/// One input; libFuzzer calls it millions of times. A trap or a sanitizer report is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var profile: Profile
    do {
        profile = try ProfileLoader.parse(bytes: bytes, file: "fuzz.yaml")
    } catch {
        // A rejection is a non-empty list of located messages, and rendering them must not trap.
        precondition(!error.errors.isEmpty, "a rejected profile carries no error")
        for item in error.errors {
            precondition(item.location.line >= 1 && item.location.column >= 1, "error at \(item.location)")
        }
        _ = error.description
        return 0
    }
    profile.seed = profile.seed ?? 0  // reproducible draws
    let engine = Engine(profile: profile)
    for endpoint in Endpoint.allCases {
        let request = SimRequest(endpoint: endpoint, path: "/v1/fuzz", model: "m", promptTokens: 100, apiKey: "k")
        for now in [0, 1_000_000_000] as [Int64] {
            var schedule = engine.plan(request, headers: NoHeaders(), nowNanos: now).schedule
            _ = schedule?.nonStreamDelayNanos()
            _ = schedule?.gaps.nextNanos()
        }
    }
    return 0
}

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
