/// A node's identity: random, chosen once and persisted in the state dir.
///
/// Ring order is the sorted order of live node ids, so the id is also the
/// node's position in the ring.
public struct NodeID: Hashable, Comparable, Sendable {
    public var raw: UInt64

    public init(_ raw: UInt64) { self.raw = raw }

    public static func < (a: NodeID, b: NodeID) -> Bool { a.raw < b.raw }

    // Hashed exactly as its raw UInt64 is (seeded SipHash, one shot):
    // dictionaries keyed by node ids are looked up on every packet, and
    // the derived conformance goes through a streaming Hasher, 2x slower.
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }
    public func _rawHashValue(seed: Int) -> Int { raw._rawHashValue(seed: seed) }

    /// 16 lowercase hex digits: the form used in files and on screen.
    public var hex: String { NodeID.hexDigits(raw, count: 16) }

    /// A short form for status lines and traces: the last 4 hex digits.
    public var short: String { NodeID.hexDigits(raw, count: 4) }

    /// The low `count` hex digits of `v`, zero-padded (what the trace of
    /// every simulated run formats, so not through `String(_:radix:)`).
    static func hexDigits(_ v: UInt64, count: Int) -> String {
        String(unsafeUninitializedCapacity: count) { buf in
            var x = v
            for i in stride(from: count - 1, through: 0, by: -1) {
                let d = UInt8(x & 0xf)
                buf[i] = d < 10 ? 0x30 + d : 0x57 + d // 0-9, a-f
                x >>= 4
            }
            return count
        }
    }

    public init?(hex: String) {
        guard hex.count == 16, let v = UInt64(hex, radix: 16) else { return nil }
        raw = v
    }
}

extension NodeID: CustomStringConvertible {
    public var description: String { short }
}

extension NodeID: TextIdentifier {
    public var text: String { hex }
    public init?(text: String) { self.init(hex: text) }
    public static let textFormat = "16 hex digits"
}
