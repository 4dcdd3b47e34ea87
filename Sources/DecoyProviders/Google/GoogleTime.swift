#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Timestamps as Google's JSON writes them: RFC 3339 in UTC with microseconds
/// (`2025-02-20T12:57:56.419496Z`), as Vertex's `createTime`.
enum GoogleTime {
    /// The time now.
    static func now() -> String {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return format(seconds: Int(spec.tv_sec), micros: Int(spec.tv_nsec) / 1000)
    }

    /// A moment given as seconds since the epoch and the microseconds past them.
    static func format(seconds: Int, micros: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(27)
        pad(Int(parts.tm_year) + 1900, 4, &out)
        out.append(UInt8(ascii: "-"))
        pad(Int(parts.tm_mon) + 1, 2, &out)
        out.append(UInt8(ascii: "-"))
        pad(Int(parts.tm_mday), 2, &out)
        out.append(UInt8(ascii: "T"))
        pad(Int(parts.tm_hour), 2, &out)
        out.append(UInt8(ascii: ":"))
        pad(Int(parts.tm_min), 2, &out)
        out.append(UInt8(ascii: ":"))
        pad(Int(parts.tm_sec), 2, &out)
        out.append(UInt8(ascii: "."))
        pad(micros, 6, &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    private static func pad(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
