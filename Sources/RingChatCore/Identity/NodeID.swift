/// A node's identity: random, chosen once and persisted in the state dir.
///
/// Ring order is the sorted order of live node ids, so the id is also the
/// node's position in the ring.
public struct NodeID: Hashable, Comparable, Sendable {
    public var raw: UInt64

    public init(_ raw: UInt64) { self.raw = raw }

    public static func < (a: NodeID, b: NodeID) -> Bool { a.raw < b.raw }

    /// 16 lowercase hex digits: the form used in files and on screen.
    public var hex: String {
        let s = String(raw, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// A short form for status lines and traces.
    public var short: String { String(hex.suffix(4)) }

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
