import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `date` field every answer carries (RFC 9110 §6.6.1: an origin server with a clock sends it), as
/// an IMF-fixdate such as `Wed, 02 Dec 2026 14:03:24 GMT`, made once a second per event-loop thread.
///
/// One per thread (`current`), used only by that thread: hence `@unchecked Sendable`. A request costs
/// one read of the wall clock (`time`, a vDSO call) and a compare.
final class HTTPDate: @unchecked Sendable {
    private var second = -1
    private var text: [UInt8] = []

    private static let perThread = ThreadSpecificVariable<HTTPDate>()

    /// This thread's cache.
    static var current: HTTPDate {
        if let cache = perThread.currentValue { return cache }
        let cache = HTTPDate()
        perThread.currentValue = cache
        return cache
    }

    /// The date now.
    var bytes: [UInt8] {
        let now = time(nil)
        if now != second {
            second = now
            text = Self.format(now)
        }
        return text
    }

    private static let days: [StaticString] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months: [StaticString] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]

    /// `seconds` since the epoch as an IMF-fixdate.
    static func format(_ seconds: Int) -> [UInt8] {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        var out: [UInt8] = []
        out.reserveCapacity(29)
        func append(_ s: StaticString) {
            out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
        }
        func two(_ n: Int32) {
            out.append(UInt8(ascii: "0") + UInt8(n / 10 % 10))
            out.append(UInt8(ascii: "0") + UInt8(n % 10))
        }
        append(days[Int(parts.tm_wday)])
        append(", ")
        two(parts.tm_mday)
        out.append(UInt8(ascii: " "))
        append(months[Int(parts.tm_mon)])
        out.append(UInt8(ascii: " "))
        let year = parts.tm_year + 1900
        two(year / 100)
        two(year % 100)
        out.append(UInt8(ascii: " "))
        two(parts.tm_hour)
        out.append(UInt8(ascii: ":"))
        two(parts.tm_min)
        out.append(UInt8(ascii: ":"))
        two(parts.tm_sec)
        append(" GMT")
        return out
    }
}
