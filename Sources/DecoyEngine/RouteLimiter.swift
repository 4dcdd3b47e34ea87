import DecoyProfile

/// A route's quota at run time. PLACEHOLDER: admits everything until the GCRA limiter lands.
final class RouteLimiter: Sendable {
    let limit: Limit

    init(limit: Limit) { self.limit = limit }

    enum Admission: Sendable {
        case admitted(QuotaStatus, Lease?)
        case rejected(Rejection)
    }

    func admit<H: HeaderSource>(_ request: SimRequest, headers: H, tokens: Int, nowNanos: Int64) -> Admission {
        .admitted(QuotaStatus(), nil)
    }
}
