import DecoyEngine
import DecoyProfile

/// From the Engine's `Plan` to a `ResponseScript`: which body each plan gets, when it is written, and
/// how it ends. The same for every dialect; what differs (bodies, envelopes, in-band errors) is each
/// dialect's own rendering.
extension Dialect {
    /// The script for a request the Engine planned.
    public func script(_ plan: Plan, for request: borrowing ParsedRequest) -> ResponseScript {
        var script = planned(plan, for: request)
        script.processingTimeHeader = processingTimeHeader
        return script
    }

    private func planned(_ plan: Plan, for request: borrowing ParsedRequest) -> ResponseScript {
        switch plan {
        case .reject(let rejection):
            return ResponseScript(
                render(rejection, for: request), record: .init(.refused, status: 429, routeIndex: rejection.routeIndex))

        case .serve(var schedule):
            let reply = render(request, schedule: schedule)
            let delay = request.sim.stream ? schedule.firstByteNanos : schedule.nonStreamDelayNanos()
            return ResponseScript(
                reply, record: .init(.admitted, status: 200, routeIndex: schedule.routeIndex, timed: true),
                delayNanos: delay, lease: schedule.lease, gaps: schedule.gaps)

        case .error(let status, let retryAfter, let schedule):
            // Counted as the status the client sees: a provider may answer a status in its own way
            // (Bedrock has no 401: its refusal is a 403).
            let reply = render(error(.injected(status: status, retryAfter: retryAfter)))
            return ResponseScript(
                reply, record: .init(.errored, status: reply.status, routeIndex: schedule.routeIndex),
                delayNanos: schedule.firstByteNanos, lease: schedule.lease)

        case .fault(let fault, var schedule):
            return faultScript(fault, schedule: &schedule, for: request)
        }
    }

    /// A connection fault, or a body that goes wrong partway.
    private func faultScript(_ fault: Fault, schedule: inout Schedule, for request: borrowing ParsedRequest) -> ResponseScript {
        let route = schedule.routeIndex
        let stream = request.sim.stream
        switch fault {
        case .reset:
            return ResponseScript(
                status: 0, headers: [], delivery: .reset, record: .init(.faulted, status: 0, special: .reset, routeIndex: route),
                lease: schedule.lease)
        case .stall:
            return ResponseScript(
                status: 0, headers: [], delivery: .stall, record: .init(.faulted, status: 0, special: .stall, routeIndex: route),
                lease: schedule.lease)
        case .streamError where !stream:
            // Nothing to break in band: the provider's 500 instead.
            return ResponseScript(
                render(error(.injected(status: 500, retryAfter: nil))), record: .init(.faulted, status: 500, routeIndex: route),
                delayNanos: schedule.firstByteNanos, lease: schedule.lease)
        case .malformed, .truncate, .streamError:
            let delay = stream ? schedule.firstByteNanos : schedule.nonStreamDelayNanos()
            let reply = fault == .malformed ? renderMalformed(request) : render(request, schedule: schedule)
            var script = ResponseScript(
                reply, record: .init(.faulted, status: 200, routeIndex: route), delayNanos: delay, lease: schedule.lease,
                gaps: schedule.gaps)
            if fault != .malformed {
                // Halfway through the generated content: after half the paced events, or half a body.
                var half = 0
                if case .stream(let events, _) = script.delivery { half = events.pacedEvents / 2 }
                script.ending = fault == .truncate ? .cut(afterPaced: half) : .inBandError(afterPaced: half)
            }
            return script
        }
    }

    /// A request answered at once with an error, before any route: a bad path, method, head or body.
    public func script(refusing error: ProviderError) -> ResponseScript {
        var script = ResponseScript(render(error), record: .init(.invalid, status: error.status))
        script.processingTimeHeader = processingTimeHeader
        return script
    }

    /// `script(refusing:)` for the errors every dialect words in its own way.
    public func script(refusing stock: StockError) -> ResponseScript {
        script(refusing: error(stock))
    }
}
