import DecoyEngine
import DecoyProviders
import NIOCore

/// Executes `ResponseScript`s on one connection: waits for the concurrency slot and the delay, writes
/// the head, paces a stream's events, honours the script's ending, and stops pumping while the
/// transport is not writable. It does not know what a provider is, nor how bytes are framed (its
/// `ResponseWriter` does).
///
/// One per connection, used only on its loop; one answer at a time.
final class Responder {
    /// Told when an answer is over.
    protocol Owner: AnyObject {
        /// The answer is complete and its last bytes collected in the writer: keep the connection if
        /// `keepAlive` (and the owner agrees), else close it after them.
        func answered(keepAlive: Bool)
        /// The answer broke the connection (cut, reset): nothing more happens on it.
        func answerBroke()
    }

    /// A served request's ledger and arrival time, for its latency.
    struct Timing {
        let ledger: RouteLedger
        let startNanos: UInt64

        func record() {
            ledger.recordLatency(nanos: NIODeadline.now().uptimeNanoseconds &- startNanos)
        }
    }

    /// The answer in progress.
    private struct Active {
        var timer: Scheduled<Void>?
        var lease: Lease?
        var stream: (any ReplyStream)?
        var gaps = GapSampler()
        var ending = ResponseScript.Ending.complete
        /// Paced events written so far.
        var paced = 0
        var keepAlive = true
        var timing: Timing?
        /// An event whose gap has passed but that waits for the transport to drain.
        var parked: [UInt8]?

        func cancel() {
            timer?.cancel()
            lease?.release()
        }
    }

    let writer: any ResponseWriter
    weak var owner: (any Owner)?
    private let loop: any EventLoop
    private var active: Active?
    /// While more than this waits in the writer, a stream without pauses stops to let it out.
    static let sendThreshold = 64 << 10

    init(writer: any ResponseWriter, loop: any EventLoop) {
        self.writer = writer
        self.loop = loop
    }

    /// Whether an answer is in progress (waiting, writing or stalled).
    var isBusy: Bool { active != nil }

    /// Runs `script` for the request that arrived at `arrivalNanos` (a `NIODeadline` reading).
    func execute(_ script: ResponseScript, keepAlive: Bool, arrivalNanos: UInt64, timing: Timing?) {
        guard let lease = script.lease, lease.isWaiting else {
            return wait(script, keepAlive: keepAlive, arrivalNanos: arrivalNanos, timing: timing)
        }
        queue(behind: lease, script, keepAlive: keepAlive, arrivalNanos: arrivalNanos, timing: timing)
    }

    /// Runs the script `future` gives (work done off the loop: an admin load or report) once it is
    /// ready; busy until then, so what the client pipelines waits. Nothing is written if the connection
    /// went away first.
    func execute(later future: EventLoopFuture<ResponseScript>, keepAlive: Bool, arrivalNanos: UInt64) {
        active = Active(keepAlive: keepAlive)
        future.hop(to: loop).assumeIsolated().whenSuccess { script in
            guard self.active != nil else { return }
            self.active = nil
            self.execute(script, keepAlive: keepAlive, arrivalNanos: arrivalNanos, timing: nil)
        }
    }

    /// Queued behind the route's concurrency cap: starts once a slot is handed over, on this loop. If
    /// the connection goes first, `cancel()` releases the lease, which leaves the queue. (Apart from
    /// `execute` so that the common path builds no closure context.)
    @inline(never)
    private func queue(
        behind lease: Lease, _ script: ResponseScript, keepAlive: Bool, arrivalNanos: UInt64, timing: Timing?
    ) {
        active = Active(lease: lease, keepAlive: keepAlive)
        let bound = NIOLoopBound(self, eventLoop: loop)
        let loop = self.loop
        lease.whenGranted {
            loop.execute {
                let responder = bound.value
                guard responder.active?.lease === lease else { return }
                responder.wait(script, keepAlive: keepAlive, arrivalNanos: arrivalNanos, timing: timing)
            }
        }
    }

    /// Starts the answer after the script's delay.
    private func wait(_ script: ResponseScript, keepAlive: Bool, arrivalNanos: UInt64, timing: Timing?) {
        guard script.delayNanos > 0 else { return start(script, keepAlive: keepAlive, arrivalNanos: arrivalNanos, timing: timing) }
        var waiting = Active(lease: script.lease, keepAlive: keepAlive, timing: timing)
        waiting.timer = loop.assumeIsolated().scheduleTask(in: .nanoseconds(script.delayNanos)) {
            self.start(script, keepAlive: keepAlive, arrivalNanos: arrivalNanos, timing: timing)
        }
        active = waiting
    }

    /// Writes the head with the whole body, or with the start of the stream.
    private func start(_ script: ResponseScript, keepAlive: Bool, arrivalNanos: UInt64, timing: Timing?) {
        var head = ResponseHead(status: script.status, headers: script.headers, keepAlive: keepAlive)
        if let name = script.processingTimeHeader {
            let elapsed = NIODeadline.now().uptimeNanoseconds &- arrivalNanos
            head.processingTime = (name, Int(elapsed / 1_000_000))
        }
        switch script.delivery {
        case .reset:
            active = nil
            script.lease?.release()
            writer.reset()
            owner?.answerBroke()
        case .stall:
            active = Active(lease: script.lease)
        case .body(let bytes):
            active = nil
            let kept = writer.head(head, body: bytes)
            if case .cut = script.ending {
                writer.partialBody(bytes, count: bytes.count / 2)
                script.lease?.release()
                writer.abort()
                return owner?.answerBroke() ?? ()
            }
            timing?.record()
            script.lease?.release()
            owner?.answered(keepAlive: kept)
        case .stream(let stream, let gaps):
            let kept = writer.head(head, body: nil)
            active = Active(
                lease: script.lease, stream: stream, gaps: gaps, ending: script.ending, keepAlive: kept, timing: timing)
            pump()
        }
    }

    /// Adds stream events to the writer until the next paced one, sends them, and waits its gap; ends
    /// the stream when done. Stops while the transport is not writable.
    private func pump() {
        while var response = active, var stream = response.stream {
            switch response.ending {
            case .cut(let after) where response.paced >= after:
                return breakOff(response)
            case .inBandError(let after) where response.paced >= after:
                writer.event(stream.failure())
                return complete(response, recordLatency: false)
            default:
                break
            }
            guard let event = stream.next() else { return complete(response, recordLatency: true) }
            response.stream = stream
            if event.paced {
                response.paced += 1
                let gap = response.gaps.nextNanos()
                if gap > 0 {
                    writer.send()
                    response.timer = loop.assumeIsolated().scheduleTask(in: .nanoseconds(gap)) {
                        self.resume(with: event.bytes)
                    }
                    active = response
                    return
                }
            }
            active = response
            writer.event(event.bytes)
            if writer.pendingBytes >= Self.sendThreshold {
                writer.send()
                guard writer.isWritable else { return }  // `writabilityChanged` pumps again
            }
        }
    }

    /// A paced event's gap has passed: write it, or hold it while the transport is full.
    private func resume(with event: [UInt8]) {
        guard active != nil else { return }
        active!.timer = nil
        guard writer.isWritable else {
            active!.parked = event
            return
        }
        writer.event(event)
        pump()
    }

    /// The transport can take bytes again (or cannot): a stream held back goes on.
    func writabilityChanged() {
        guard writer.isWritable, var response = active, response.stream != nil, response.timer == nil || response.parked != nil
        else { return }
        if let parked = response.parked {
            response.parked = nil
            active = response
            writer.event(parked)
        }
        pump()
    }

    /// The stream is over: record, free the slot, and let the owner end the answer.
    private func complete(_ response: Active, recordLatency: Bool) {
        active = nil
        if recordLatency { response.timing?.record() }
        response.lease?.release()
        owner?.answered(keepAlive: response.keepAlive)
    }

    /// Cuts the stream: what is written goes out, then the connection closes.
    private func breakOff(_ response: Active) {
        active = nil
        response.lease?.release()
        writer.abort()
        owner?.answerBroke()
    }

    /// The connection went away: stop timers, free the slot or leave the queue.
    func cancel() {
        active?.cancel()
        active = nil
    }
}
