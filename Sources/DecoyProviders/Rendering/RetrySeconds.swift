/// A wait as the whole seconds a `retry-after` header (or Google's `retryDelay`) states: rounded up,
/// and at least 1, so that no client reads it as "retry at once".
func retrySeconds(_ seconds: Double) -> Int {
    max(1, Int(seconds.rounded(.up)))
}
