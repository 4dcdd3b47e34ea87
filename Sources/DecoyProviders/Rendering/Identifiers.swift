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

    /// `prefix` and `count` lowercase hex digits of a fresh draw (`req_` and 32 digits, as OpenAI's
    /// `x-request-id`).
    static func hex(_ prefix: StaticString, count: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(prefix.utf8CodeUnitCount + count)
        out.append(prefix)
        var rng = SplitMix64(seed: processSalt, stream: 2, index: draw())
        appendHex(count, from: &rng, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A random (version 4) UUID in its lowercase text form, as Azure's `apim-request-id`.
    static func uuid() -> String {
        var out: [UInt8] = []
        out.reserveCapacity(36)
        var rng = SplitMix64(seed: processSalt, stream: 3, index: draw())
        appendHex(8, from: &rng, to: &out)
        out.append(UInt8(ascii: "-"))
        appendHex(4, from: &rng, to: &out)
        out.append("-4")
        appendHex(3, from: &rng, to: &out)
        out.append(UInt8(ascii: "-"))
        out.append(Array<UInt8>.hexDigit(8 | UInt8(truncatingIfNeeded: rng.next() & 3)))  // the variant, 10xx
        appendHex(3, from: &rng, to: &out)
        out.append(UInt8(ascii: "-"))
        appendHex(12, from: &rng, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static func appendHex(_ count: Int, from rng: inout SplitMix64, to out: inout [UInt8]) {
        var bits = rng.next()
        for i in 0..<count {
            if i > 0 && i % 16 == 0 { bits = rng.next() }
            out.append(Array<UInt8>.hexDigit(UInt8(truncatingIfNeeded: bits & 0xF)))
            bits >>= 4
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
