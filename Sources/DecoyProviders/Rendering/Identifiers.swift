import DecoyEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Response ids (`chatcmpl-…`, `resp_…`) and timestamps, cheap enough for every request.
enum Identifiers {
    private static let counter = Atomic<UInt64>(0)
    private static let processSalt = UInt64.random(in: .min ... .max)
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A fresh id as a string.
    static func make(_ prefix: StaticString, length: Int) -> String {
        ResponseID(prefix, length: length).string
    }

    /// The next draw: each id is spelled from its own.
    fileprivate static func draw() -> UInt64 {
        counter.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// `length` base-62 characters spelled from `draw`, the same each time.
    fileprivate static func append(_ length: Int, from draw: UInt64, to out: inout [UInt8]) {
        var rng = SplitMix64(seed: processSalt, stream: 1, index: draw)
        var bits = rng.next()
        for i in 0..<length {
            if i % 10 == 9 { bits = rng.next() }
            out.append(alphabet[Int(bits % 62)])
            bits /= 62
        }
    }

    /// Seconds since the Unix epoch.
    static func now() -> Int { time(nil) }
}

/// A response id drawn but not spelled out: written straight into each answer that carries it (a
/// stream writes it into every chunk), so an id costs no allocation of its own.
struct ResponseID: Sendable {
    let prefix: StaticString
    let length: Int
    private let draw: UInt64

    init(_ prefix: StaticString, length: Int) {
        self.prefix = prefix
        self.length = length
        self.draw = Identifiers.draw()
    }

    func append(to out: inout [UInt8]) {
        out.append(prefix)
        Identifiers.append(length, from: draw, to: &out)
    }

    var string: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(prefix.utf8CodeUnitCount + length)
        append(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
