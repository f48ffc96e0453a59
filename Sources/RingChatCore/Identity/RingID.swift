/// A ring's identity. Rings are totally ordered: a higher ring supersedes a
/// lower one (its token wins, the other token is destroyed).
///
/// `epoch` is one more than any epoch the creator had seen; `creator` and
/// its `incarnation` make the id unique even when two partitions (or a
/// restarted creator that forgot its epochs) pick the same epoch.
public struct RingID: Hashable, Comparable, Sendable {
    public var epoch: UInt64
    public var creator: NodeID
    public var incarnation: UInt32

    public init(epoch: UInt64, creator: NodeID, incarnation: UInt32) {
        self.epoch = epoch
        self.creator = creator
        self.incarnation = incarnation
    }

    public static func < (a: RingID, b: RingID) -> Bool {
        (a.epoch, a.creator, a.incarnation) < (b.epoch, b.creator, b.incarnation)
    }

    /// `epoch.creator.incarnation`, e.g. `7.00a1b2c3d4e5f607.2`.
    public var text: String { "\(epoch).\(creator.hex).\(incarnation)" }

    public init?(text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let e = UInt64(parts[0]), let c = NodeID(hex: String(parts[1])),
              let i = UInt32(parts[2]) else { return nil }
        self.init(epoch: e, creator: c, incarnation: i)
    }
}

extension RingID: CustomStringConvertible {
    public var description: String { "\(epoch)@\(creator.short)" }
}

extension RingID: TextIdentifier {
    public static let textFormat = "epoch.creator.incarnation"
}

/// A position in the agreed order: (ring, seq). Inside a ring seqs are
/// gapless; rings are ordered by id, so sorting by slot is the agreed order
/// of the whole history, partitions included.
public struct Slot: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var ring: RingID
    public var seq: UInt64

    public init(ring: RingID, seq: UInt64) {
        self.ring = ring
        self.seq = seq
    }

    public static func < (a: Slot, b: Slot) -> Bool { (a.ring, a.seq) < (b.ring, b.seq) }

    public var description: String { "\(ring)#\(seq)" }
}
