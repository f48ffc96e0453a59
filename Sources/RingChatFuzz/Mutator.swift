import RingChatCore

/// A small deterministic mutator (libFuzzer's basic moves) for the bounded
/// fuzz run in CI: the same seed gives the same inputs, so a failure
/// replays.
public struct Mutator {
    var g: SplitMix64
    public init(seed: UInt64) { g = SplitMix64(seed: seed) }

    /// Big-endian integers a peer's number fields are likely to break on.
    static let interesting: [UInt64] = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 0x7FFF_FFFF, 0xFFFF_FFFF,
                                        UInt64(Int64.max), UInt64.max, UInt64.max - 1, 1 << 32, 1 << 63]

    /// One to four mutations of `input`, sometimes spliced with `other`.
    public mutating func mutate(_ input: [UInt8], other: [UInt8]) -> [UInt8] {
        var b = input
        for _ in 0...Int(g.next() % 4) {
            let pos = b.isEmpty ? 0 : Int(g.next() % UInt64(b.count))
            switch g.next() % 8 {
            case 0 where !b.isEmpty: b[pos] ^= UInt8(1 << (g.next() % 8))
            case 1 where !b.isEmpty: b[pos] = UInt8(truncatingIfNeeded: g.next())
            case 2: b.insert(UInt8(truncatingIfNeeded: g.next()), at: pos)
            case 3 where !b.isEmpty: b.remove(at: pos)
            case 4: b = Array(b.prefix(pos))
            case 5 where !b.isEmpty:
                let n = [1, 2, 4, 8][Int(g.next() % 4)]
                let v = Self.interesting[Int(g.next() % UInt64(Self.interesting.count))]
                for i in 0..<n where pos + i < b.count { b[pos + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(n - 1 - i))) }
            case 6 where !other.isEmpty:
                let cut = Int(g.next() % UInt64(other.count))
                b = Array(b.prefix(pos)) + other[cut...]
            default:
                if !b.isEmpty { let len = min(b.count - pos, 1 + Int(g.next() % 16)); b.insert(contentsOf: b[pos..<(pos + len)], at: pos) }
            }
        }
        return b
    }
}
