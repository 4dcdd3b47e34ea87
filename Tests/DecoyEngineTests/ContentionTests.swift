import DecoyProfile
import Dispatch
import Foundation
import Testing

@testable import DecoyEngine

/// Eight threads hammering one bucket for three seconds of real time admit exactly its budget.
struct ContentionTests {
    /// Nanoseconds on the monotonic clock.
    static func now() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds) }

    @Test func eightThreadsForThreeSecondsAdmitBurstPlusElapsedTimesRate() {
        let rpm = 60_000.0  // 1,000 a second
        let burst = 50.0
        let route = Route(
            name: "hot", match: RouteMatch(endpoints: [.openaiChat]), behavior: Behavior(),
            limit: Limit(rpm: rpm, burst: .count(burst)))
        let engine = Engine(profile: Profile(name: "contention", seed: 1, routes: [route]))
        let request = SimRequest(endpoint: .openaiChat)
        let admitted = Counter()
        let span = Span()
        let end = Self.now() + 3_000_000_000
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<8 {
            Thread {
                while true {
                    let now = Self.now()
                    if now > end { break }
                    if case .serve = engine.plan(request, headers: NoHeaders(), nowNanos: now) {
                        _ = admitted.next()
                        span.note(now)
                    }
                }
                done.signal()
            }.start()
        }
        for _ in 0..<8 { done.wait() }
        // The bucket starts full at the first admission; from then on it admits at the rate.
        let elapsed = Double(span.last - span.first) / 1e9
        let budget = burst + elapsed * rpm / 60
        #expect(abs(Double(admitted.count) - budget) <= 1.0, "admitted \(admitted.count), budget \(budget)")
    }
}

/// The first and last clock readings at which a request was admitted, from any thread.
private final class Span: @unchecked Sendable {
    // @unchecked: every access holds the lock.
    private let lock = NSLock()
    private var stamps: (Int64, Int64)?
    var first: Int64 { lock.withLock { stamps?.0 ?? 0 } }
    var last: Int64 { lock.withLock { stamps?.1 ?? 0 } }
    func note(_ x: Int64) {
        lock.withLock { stamps = stamps.map { (min($0.0, x), max($0.1, x)) } ?? (x, x) }
    }
}
