/// FNV-1a, 64-bit: the simulator's trace hash (same seed, same hash), the
/// checkpoint file's checksum against torn or edited files (not an
/// authenticity check), and a stable hash wherever Swift's per-process
/// seeded `hashValue` would not do.
public struct FNV1a: Sendable, Hashable {
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    public mutating func add(_ bytes: [UInt8]) { bytes.withUnsafeBufferPointer { add($0) } }

    public mutating func add(_ bytes: UnsafeBufferPointer<UInt8>) {
        var h = value
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        value = h
    }

    public mutating func add(_ v: UInt64) {
        var x = v
        for _ in 0..<8 { add(UInt8(x & 0xff)); x >>= 8 }
    }

    /// Folds `word` in one step, FNV-1a's step on a whole word instead of
    /// its bytes: not FNV-1a, for hashes compared only with others made the
    /// same way (a bench's order of deliveries, computed per delivered line
    /// inside the node it measures, where the byte loop was 1% of samples).
    public mutating func mix(_ word: UInt64) {
        value = (value ^ word) &* 0x0000_0100_0000_01b3
    }

    public mutating func add(_ s: String) {
        var s = s
        s.withUTF8 { add($0) }
    }

    public static func hash(_ bytes: [UInt8]) -> UInt64 {
        var h = FNV1a()
        h.add(bytes)
        return h.value
    }

    public var hex: String {
        let s = String(value, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
