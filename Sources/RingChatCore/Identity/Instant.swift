/// A point on a monotonic clock, in nanoseconds from an arbitrary origin.
///
/// The core never reads a clock: every input carries the `Instant` at which
/// it happened, so the simulator can run many nodes on one virtual clock.
public struct Instant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func milliseconds(_ ms: Int64) -> Instant { Instant(nanoseconds: ms * 1_000_000) }

    public var milliseconds: Int64 { nanoseconds / 1_000_000 }

    public static func < (a: Instant, b: Instant) -> Bool { a.nanoseconds < b.nanoseconds }

    public static func + (a: Instant, d: Duration) -> Instant {
        Instant(nanoseconds: a.nanoseconds + d.nanoseconds)
    }

    public static func - (a: Instant, d: Duration) -> Instant {
        Instant(nanoseconds: a.nanoseconds - d.nanoseconds)
    }

    public static func - (a: Instant, b: Instant) -> Duration {
        .exactNanoseconds(a.nanoseconds - b.nanoseconds)
    }

    public var description: String {
        let ms = Double(nanoseconds) / 1_000_000
        return "\(ms)ms"
    }
}

// The timers do Duration arithmetic on every packet: the standard
// library's generic 128-bit paths (`components`, `.nanoseconds(_:)`,
// `Duration * Int`) were a tenth of the simulator's time. These give the
// same values, with 64-bit arithmetic whenever the attoseconds fit.
extension Duration {
    /// Whole nanoseconds, truncated toward zero (durations here are far
    /// below the Int64 range).
    @inlinable
    public var nanoseconds: Int64 {
        let low = Int64(bitPattern: _low)
        if _high == low >> 63 { return low / 1_000_000_000 } // |d| < 9.2 s
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }

    /// `Duration.nanoseconds(ns)` without the generic integer conversion.
    @inlinable
    public static func exactNanoseconds(_ ns: Int64) -> Duration { scaled(ns, by: 1_000_000_000) }

    /// `n` units of `attoseconds` each, exactly (any Int64 times a unit of
    /// at most a second fits in the 128 bits).
    @inlinable
    static func scaled(_ n: Int64, by attoseconds: Int64) -> Duration {
        let (high, low) = n.multipliedFullWidth(by: attoseconds)
        return Duration(_high: high, low: low)
    }

    // The standard library's constructors from `Int` and `Int64` (what the
    // code writes: `.milliseconds(10)` on every packet), same values
    // without the generic integer path.
    @inlinable public static func seconds(_ s: Int) -> Duration { scaled(Int64(s), by: 1_000_000_000_000_000_000) }
    @inlinable public static func seconds(_ s: Int64) -> Duration { scaled(s, by: 1_000_000_000_000_000_000) }
    @inlinable public static func milliseconds(_ ms: Int) -> Duration { scaled(Int64(ms), by: 1_000_000_000_000_000) }
    @inlinable public static func milliseconds(_ ms: Int64) -> Duration { scaled(ms, by: 1_000_000_000_000_000) }
    @inlinable public static func microseconds(_ us: Int) -> Duration { scaled(Int64(us), by: 1_000_000_000_000) }
    @inlinable public static func microseconds(_ us: Int64) -> Duration { scaled(us, by: 1_000_000_000_000) }
    @inlinable public static func nanoseconds(_ ns: Int) -> Duration { scaled(Int64(ns), by: 1_000_000_000) }
    @inlinable public static func nanoseconds(_ ns: Int64) -> Duration { scaled(ns, by: 1_000_000_000) }

    /// The standard library's `Duration * BinaryInteger`, for `Int`: same
    /// value and the same trap on overflow, without the generic path.
    @inlinable
    public static func * (d: Duration, n: Int) -> Duration {
        let low = Int64(bitPattern: d._low)
        if d._high == low >> 63 {
            let (p, overflow) = low.multipliedReportingOverflow(by: Int64(n))
            if !overflow { return Duration(_high: p >> 63, low: UInt64(bitPattern: p)) }
        }
        return d * Int64(n)
    }

    public var milliseconds: Double { Double(nanoseconds) / 1_000_000 }
}
