/// Scalar values: text, whole numbers, numbers, durations, counts and rates.
extension ProfileDecoder {
    /// The units a duration may carry, longest first so `ms` wins over `s`, with their size in seconds.
    static let durationUnits: [(suffix: String, seconds: Double)] = [
        ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60),
    ]

    /// What a distribution's values measure.
    enum Quantity {
        /// Seconds, written with a unit (`80ms`, `1.5s`).
        case duration
        /// A plain number (tokens).
        case count

        var noun: String {
            switch self {
            case .duration: "a duration"
            case .count: "a count"
            }
        }
    }

    /// The text of a scalar; anything else is reported.
    mutating func text(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = node.scalar, !node.isNull else {
            error("expected text for '\(what)', found \(node.kindDescription)", at: node)
            return nil
        }
        return text
    }

    /// A non-empty text.
    mutating func nonEmptyText(_ node: YAMLNode, _ what: String) -> String? {
        guard let text = text(node, what) else { return nil }
        guard !text.isEmpty else {
            error("'\(what)' must not be empty", at: node)
            return nil
        }
        return text
    }

    /// A finite decimal number (`12`, `-0.5`, `1e3`); no `inf`, `nan`, hex or units.
    mutating func number(_ node: YAMLNode, _ what: String) -> Double? {
        guard let text = node.scalar, !node.isNull else {
            error("expected a number for '\(what)', found \(node.kindDescription)", at: node)
            return nil
        }
        guard let value = Self.decimal(text) else {
            error("expected a number for '\(what)', found '\(text)'", at: node)
            return nil
        }
        return value
    }

    /// A whole number within `range`.
    mutating func integer(_ node: YAMLNode, _ what: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = node.scalar, !node.isNull else {
            error("expected a whole number for '\(what)', found \(node.kindDescription)", at: node)
            return nil
        }
        guard let value = Int(text) else {
            error("expected a whole number for '\(what)', found '\(text)'", at: node)
            return nil
        }
        guard range.contains(value) else {
            error("'\(what)' must be \(Self.describe(range)), found \(value)", at: node)
            return nil
        }
        return value
    }

    /// A positive number (rates of a limit).
    mutating func positiveNumber(_ node: YAMLNode, _ what: String) -> Double? {
        guard let value = number(node, what) else { return nil }
        guard value > 0 else {
            error("'\(what)' must be above 0, found \(node.scalar ?? "")", at: node)
            return nil
        }
        return value
    }

    /// A duration in seconds: a number with a unit (`us`, `ms`, `s`, `m`), or a bare `0`; never negative.
    mutating func duration(_ node: YAMLNode, _ what: String) -> Double? {
        guard let text = node.scalar, !node.isNull else {
            error("expected a duration for '\(what)' such as 80ms or 1.5s, found \(node.kindDescription)", at: node)
            return nil
        }
        guard let value = Self.parseDuration(text) else {
            if let bare = Self.decimal(text), bare != 0 {
                error(
                    "'\(text)' for '\(what)' needs a unit: \(text)ms or \(text)s (durations take us, ms, s, m)",
                    at: node)
            } else {
                error(
                    "'\(text)' for '\(what)' is not a duration; write a number and a unit (us, ms, s, m) such as 80ms",
                    at: node)
            }
            return nil
        }
        guard value >= 0 else {
            error("'\(what)' must not be negative, found \(text)", at: node)
            return nil
        }
        return value
    }

    /// A count: a number that is not negative.
    mutating func count(_ node: YAMLNode, _ what: String) -> Double? {
        if let text = node.scalar, !node.isNull, Self.decimal(text) == nil, Self.parseDuration(text) != nil {
            error("'\(what)' is a count, not a duration; found '\(text)'", at: node)
            return nil
        }
        guard let value = number(node, what) else { return nil }
        guard value >= 0 else {
            error("'\(what)' must not be negative, found \(node.scalar ?? "")", at: node)
            return nil
        }
        return value
    }

    /// A duration or a count, as `kind` says.
    mutating func quantity(_ node: YAMLNode, _ kind: Quantity, _ what: String) -> Double? {
        switch kind {
        case .duration: duration(node, what)
        case .count: count(node, what)
        }
    }

    /// A probability: `1%`, `0.5%`, or a fraction such as `0.01`; within [0, 1].
    mutating func rate(_ node: YAMLNode, _ what: String) -> Double? {
        guard let text = node.scalar, !node.isNull else {
            error("expected a rate for '\(what)' such as 1% or 0.01, found \(node.kindDescription)", at: node)
            return nil
        }
        let isPercent = text.hasSuffix("%")
        guard let number = Self.decimal(isPercent ? String(text.dropLast()) : text) else {
            error("expected a rate for '\(what)' such as 1% or 0.01, found '\(text)'", at: node)
            return nil
        }
        guard number >= 0 else {
            error("'\(what)' must not be negative, found \(text)", at: node)
            return nil
        }
        if isPercent {
            guard number <= 100 else {
                error("'\(what)' must be at most 100%, found \(text)", at: node)
                return nil
            }
            return number / 100
        }
        guard number <= 1 else {
            error("'\(what)' as a fraction must be at most 1, found \(text); for a percentage write \(text)%", at: node)
            return nil
        }
        return number
    }

    /// Seconds for `80ms`-style text, or a bare zero; `nil` when it is not a duration.
    static func parseDuration(_ text: String) -> Double? {
        for unit in durationUnits where text.hasSuffix(unit.suffix) {
            guard let value = decimal(String(text.dropLast(unit.suffix.count))) else { return nil }
            return value * unit.seconds
        }
        if let value = decimal(text), value == 0 { return 0 }
        return nil
    }

    /// Strict decimal syntax (sign, digits, optional fraction and exponent), finite.
    static func decimal(_ text: String) -> Double? {
        var rest = Substring(text)
        if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
        let mantissa = rest.prefix { $0 != "e" && $0 != "E" }
        let exponent = rest.dropFirst(mantissa.count)
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard !mantissa.isEmpty, mantissa != ".",
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) })
        else { return nil }
        if !exponent.isEmpty {
            var digits = exponent.dropFirst()
            if digits.first == "+" || digits.first == "-" { digits = digits.dropFirst() }
            guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        }
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == Int.max { return "at least \(range.lowerBound)" }
        return "between \(range.lowerBound) and \(range.upperBound)"
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { asciiValue.map { (48...57).contains($0) } ?? false }
}
