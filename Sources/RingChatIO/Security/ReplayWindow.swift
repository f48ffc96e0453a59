/// Which packet counters of one sender incarnation were already accepted:
/// the highest, and a bitmap of the 64 below it (IPsec's anti-replay
/// window, RFC 4303 §3.4.3). A counter seen before, or older than the
/// window, is a replay.
struct ReplayWindow: Sendable {
    static let width: UInt64 = 64
    private(set) var highest: UInt64 = 0
    /// Bit i set: counter `highest - i` was accepted.
    private var seen: UInt64 = 0
    private var started = false

    /// Records `counter`; false if it is a replay (or too old to tell).
    mutating func accept(_ counter: UInt64) -> Bool {
        guard started else {
            started = true
            highest = counter
            seen = 1
            return true
        }
        if counter > highest {
            let shift = counter - highest
            seen = shift >= Self.width ? 1 : (seen << shift) | 1
            highest = counter
            return true
        }
        let age = highest - counter
        guard age < Self.width else { return false }
        let bit: UInt64 = 1 << age
        guard seen & bit == 0 else { return false }
        seen |= bit
        return true
    }
}
