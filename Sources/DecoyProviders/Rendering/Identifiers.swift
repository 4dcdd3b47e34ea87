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

    /// Appends `prefix` and `length` random base-62 characters.
    static func append(id prefix: StaticString, length: Int, to out: inout [UInt8]) {
        out.append(prefix)
        var rng = SplitMix64(seed: processSalt, stream: 1, index: counter.wrappingAdd(1, ordering: .relaxed).oldValue)
        var bits = rng.next()
        for i in 0..<length {
            if i % 10 == 9 { bits = rng.next() }
            out.append(alphabet[Int(bits % 62)])
            bits /= 62
        }
    }

    /// A fresh id as a string.
    static func make(_ prefix: StaticString, length: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(prefix.utf8CodeUnitCount + length)
        append(id: prefix, length: length, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Seconds since the Unix epoch.
    static func now() -> Int { time(nil) }
}
