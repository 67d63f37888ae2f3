import NIOCore

extension Duration {
    /// Whole nanoseconds, saturating; for APIs that still take `TimeAmount`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return whole &+ attoseconds / 1_000_000_000
    }

    var timeAmount: TimeAmount { .nanoseconds(self.nanoseconds) }
}
