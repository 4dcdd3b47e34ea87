#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Distributions: a constant, or a one-key mapping naming the shape (`lognormal: {median, p99}`, …).
extension ProfileDecoder {
    static let shapes = ["fixed", "uniform", "normal", "lognormal", "exponential", "percentiles", "mixture"]
    /// The standard normal's 99th percentile: `p99 = median · e^(sigma · z99)` for a log-normal.
    static let z99 = 2.3263478740408408

    /// A constant such as `80ms` (or `40` for a count), or one of `shapes`.
    mutating func distribution(_ node: YAMLNode, _ kind: Quantity, _ what: String) -> Distribution? {
        switch node.value {
        case .scalar:
            if node.isNull {
                error("expected \(kind.noun) or a distribution for '\(what)', found nothing", at: node)
                return nil
            }
            return quantity(node, kind, what).map { .fixed($0) }
        case .sequence:
            error(
                "expected \(kind.noun) or a distribution (\(Self.shapes.joined(separator: ", "))) "
                    + "for '\(what)', found a list",
                at: node)
            return nil
        case .mapping(let entries):
            guard entries.count == 1, let entry = entries.first else {
                let keys = entries.compactMap(\.key.scalar).map { "'\($0)'" }.joined(separator: ", ")
                error(
                    "a distribution for '\(what)' is a mapping with one key, its shape "
                        + "(\(Self.shapes.joined(separator: ", "))); "
                        + (entries.isEmpty ? "found none" : "found \(keys)"),
                    at: node)
                return nil
            }
            return shape(entry, kind)
        }
    }

    /// One `shape: parameters` entry, the key checked against `shapes`.
    private mutating func shape(_ entry: YAMLNode.Entry, _ kind: Quantity) -> Distribution? {
        guard let name = text(entry.key, "distribution") else { return nil }
        let node = entry.value
        switch name {
        case "fixed":
            return quantity(node, kind, "fixed").map { .fixed($0) }
        case "uniform":
            return uniform(node, kind)
        case "normal":
            guard let fields = fields(of: node, "normal", allowed: ["mean", "stddev"]) else { return nil }
            let mean = required("mean", in: fields, "normal") { $0.quantity($1, kind, "mean") }
            let stddev = required("stddev", in: fields, "normal") { $0.quantity($1, kind, "stddev") }
            guard let mean, let stddev else { return nil }
            return .normal(mean: mean, stddev: stddev)
        case "lognormal":
            return lognormal(node, kind)
        case "exponential":
            guard let fields = fields(of: node, "exponential", allowed: ["mean"]),
                let mean = required("mean", in: fields, "exponential", { $0.quantity($1, kind, "mean") })
            else { return nil }
            return .exponential(mean: mean)
        case "percentiles":
            return percentiles(node, kind)
        case "mixture":
            return mixture(node, kind)
        default:
            unknownKey(name, at: entry.key, "a distribution", allowed: Self.shapes)
            return nil
        }
    }

    /// `[min, max]` (or `{min, max}`), min not above max.
    private mutating func uniform(_ node: YAMLNode, _ kind: Quantity) -> Distribution? {
        let bounds: (YAMLNode, YAMLNode)
        switch node.value {
        case .sequence(let items) where items.count == 2:
            bounds = (items[0], items[1])
        case .mapping:
            guard let fields = fields(of: node, "uniform", allowed: ["min", "max"]) else { return nil }
            guard let low = fields["min"], let high = fields["max"] else {
                error("'uniform' needs both 'min' and 'max'", at: node)
                return nil
            }
            bounds = (low, high)
        case .sequence(let items):
            error("'uniform' takes [min, max], found a list of \(items.count)", at: node)
            return nil
        default:
            error("'uniform' takes [min, max], found \(node.kindDescription)", at: node)
            return nil
        }
        guard let low = quantity(bounds.0, kind, "min"), let high = quantity(bounds.1, kind, "max") else { return nil }
        guard low <= high else {
            error("'uniform' min \(bounds.0.scalar ?? "") is above max \(bounds.1.scalar ?? "")", at: node)
            return nil
        }
        return .uniform(min: low, max: high)
    }

    /// `{median, p99}` (converted to mu and sigma) or `{mu, sigma}` in log units.
    private mutating func lognormal(_ node: YAMLNode, _ kind: Quantity) -> Distribution? {
        guard let fields = fields(of: node, "lognormal", allowed: ["median", "p99", "mu", "sigma"]) else { return nil }
        let byParameters = fields["mu"] != nil || fields["sigma"] != nil
        if byParameters {
            if fields["median"] != nil || fields["p99"] != nil {
                error("'lognormal' takes either {median, p99} or {mu, sigma}, not a mix", at: node)
                return nil
            }
            let mu = required("mu", in: fields, "lognormal") { $0.number($1, "mu") }
            let sigma = required("sigma", in: fields, "lognormal") { $0.number($1, "sigma") }
            guard let mu, let sigma else { return nil }
            guard sigma >= 0 else {
                error(
                    "'sigma' must not be negative, found \(fields["sigma"]?.scalar ?? "")", at: fields["sigma"] ?? node)
                return nil
            }
            return .lognormal(mu: mu, sigma: sigma)
        }
        let median = required("median", in: fields, "lognormal") { $0.quantity($1, kind, "median") }
        let p99 = required("p99", in: fields, "lognormal") { $0.quantity($1, kind, "p99") }
        guard let median, let p99 else { return nil }
        let medianNode = fields["median"] ?? node
        let p99Node = fields["p99"] ?? node
        guard median > 0 else {
            error("the lognormal 'median' must be above 0, found \(medianNode.scalar ?? "")", at: medianNode)
            return nil
        }
        guard p99 > median else {
            error(
                "the lognormal 'p99' (\(p99Node.scalar ?? "")) must be above the median (\(medianNode.scalar ?? ""))",
                at: p99Node)
            return nil
        }
        return .lognormal(mu: log(median), sigma: (log(p99) - log(median)) / Self.z99)
    }

    /// `{p50: 70ms, p90: 300ms, p99.9: 2s}`: quantiles and values both ascending in the order written.
    private mutating func percentiles(_ node: YAMLNode, _ kind: Quantity) -> Distribution? {
        guard case .mapping(let entries) = node.value, !entries.isEmpty else {
            error(
                "'percentiles' takes a mapping such as {p50: 70ms, p99: 1.2s}, found \(node.kindDescription)", at: node)
            return nil
        }
        var points: [Distribution.Quantile] = []
        var last: (key: String, text: String)?
        var ok = true
        for entry in entries {
            guard let key = entry.key.scalar, key.hasPrefix("p"), let n = Self.decimal(String(key.dropFirst())),
                key.dropFirst().first?.isNumber == true || key.dropFirst().first == ".", (0...100).contains(n)
            else {
                error(
                    "percentile keys are p0 to p100, such as p50 or p99.9; found \(entry.key.kindDescription)",
                    at: entry.key)
                ok = false
                continue
            }
            guard let value = quantity(entry.value, kind, key) else {
                ok = false
                continue
            }
            let point = Distribution.Quantile(q: n / 100, value: value)
            if let previous = points.last, let last {
                guard point.q > previous.q else {
                    error(
                        "percentiles must be written in increasing order: '\(key)' comes after '\(last.key)'",
                        at: entry.key)
                    ok = false
                    continue
                }
                if point.value < previous.value {
                    error(
                        "percentile values must not decrease: \(key) (\(entry.value.scalar ?? "")) "
                            + "is below \(last.key) (\(last.text))",
                        at: entry.value)
                    ok = false
                }
            }
            points.append(point)
            last = (key, entry.value.scalar ?? "")
        }
        return ok ? .percentiles(points) : nil
    }

    /// `[{weight: 0.9, lognormal: {…}}, {weight: 0.1, fixed: 2s}]`, weights above 0.
    private mutating func mixture(_ node: YAMLNode, _ kind: Quantity) -> Distribution? {
        guard let items = items(node, "mixture") else { return nil }
        guard !items.isEmpty else {
            error("'mixture' needs at least one component", at: node)
            return nil
        }
        var components: [Distribution.Component] = []
        var ok = true
        for item in items {
            guard let fields = fields(of: item, "a mixture component", allowed: ["weight"] + Self.shapes) else {
                ok = false
                continue
            }
            var weight: Double?
            if let node = fields["weight"] {
                weight = number(node, "weight")
                if let value = weight, value <= 0 {
                    error("a mixture 'weight' must be above 0, found \(node.scalar ?? "")", at: node)
                    weight = nil
                }
            } else {
                error("a mixture component needs a 'weight'", at: item)
            }
            let shapes = Self.shapes.compactMap { fields.entries[$0] }.sorted {
                ($0.key.line, $0.key.column) < ($1.key.line, $1.key.column)
            }
            guard shapes.count == 1, let shape = shapes.first else {
                error(
                    "a mixture component has a 'weight' and one distribution ("
                        + "\(Self.shapes.joined(separator: ", "))), found \(shapes.count)",
                    at: item)
                ok = false
                continue
            }
            guard let distribution = self.shape(shape, kind), let weight else {
                ok = false
                continue
            }
            components.append(Distribution.Component(weight: weight, distribution: distribution))
        }
        return ok ? .mixture(components) : nil
    }

    /// The parameter `key` read by `read`, or a "needs" error at the mapping when it is absent.
    private mutating func required(
        _ key: String, in fields: Fields, _ shape: String, _ read: (inout ProfileDecoder, YAMLNode) -> Double?
    ) -> Double? {
        guard let node = fields[key] else {
            error("'\(shape)' needs '\(key)'", at: fields.node)
            return nil
        }
        return read(&self, node)
    }
}
