/// The state of a `MessageLog` without its messages, as a checkpoint
/// records it: the version vector (counters held per stream, as ranges),
/// the occupied seqs of every ring, the ids whose canonical slot moved, and
/// the highest slot. A million messages from a few streams are a few
/// hundred bytes here.
public struct LogSnapshot: Hashable, Sendable {
    public struct Stream: Hashable, Sendable {
        public var stream: StreamID
        public var counters: [ClosedRange<UInt32>]
        public var setHash: UInt64
    }

    public struct Ring: Hashable, Sendable {
        public var ring: RingID
        public var seqs: [ClosedRange<UInt64>]
    }

    public struct Relocation: Hashable, Sendable {
        public var id: MessageID
        public var slot: Slot
    }

    public var streams: [Stream]
    public var rings: [Ring]
    public var relocated: [Relocation]
    public var maxSlot: Slot?

    /// Messages the snapshot says are held.
    public var count: Int { streams.reduce(0) { $0 + $1.counters.reduce(0) { $0 + Int($1.upperBound - $1.lowerBound) + 1 } } }
}

// Compact JSON: ids and rings as their text forms, ranges as flat
// [lo, hi, lo, hi...] arrays, hashes as 16 hex digits (JSON numbers lose
// precision above 2^53 in many readers).
extension LogSnapshot: Codable {
    enum CodingKeys: String, CodingKey { case streams, rings, relocated, maxSlot }

    struct StreamCoding: Codable {
        var s: String
        var c: [UInt32]
        var h: String
    }

    struct RingCoding: Codable {
        var r: String
        var q: [UInt64]
    }

    struct RelocationCoding: Codable {
        var id: String
        var r: String
        var q: UInt64
    }

    static func flat<T>(_ ranges: [ClosedRange<T>]) -> [T] { ranges.flatMap { [$0.lowerBound, $0.upperBound] } }

    static func ranges<T: Comparable>(_ flat: [T]) throws -> [ClosedRange<T>] {
        guard flat.count % 2 == 0 else { throw LogSnapshotError.oddRanges }
        return try stride(from: 0, to: flat.count, by: 2).map { i in
            guard flat[i] <= flat[i + 1] else { throw LogSnapshotError.oddRanges }
            return flat[i]...flat[i + 1]
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        streams = try c.decode([StreamCoding].self, forKey: .streams).map { s in
            let parts = s.s.split(separator: ".")
            guard parts.count == 2, let o = NodeID(hex: String(parts[0])), let i = UInt32(parts[1]),
                  let h = UInt64(s.h, radix: 16) else { throw LogSnapshotError.badStream(s.s) }
            return Stream(stream: StreamID(origin: o, incarnation: i), counters: try Self.ranges(s.c), setHash: h)
        }
        rings = try c.decode([RingCoding].self, forKey: .rings).map { r in
            guard let id = RingID(text: r.r) else { throw LogSnapshotError.badRing(r.r) }
            return Ring(ring: id, seqs: try Self.ranges(r.q))
        }
        relocated = try c.decode([RelocationCoding].self, forKey: .relocated).map { r in
            guard let id = MessageID(text: r.id), let ring = RingID(text: r.r) else { throw LogSnapshotError.badRing(r.r) }
            return Relocation(id: id, slot: Slot(ring: ring, seq: r.q))
        }
        maxSlot = try c.decodeIfPresent(Slot.self, forKey: .maxSlot)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(streams.map { StreamCoding(s: "\($0.stream.origin.hex).\($0.stream.incarnation)", c: Self.flat($0.counters),
                                                h: String($0.setHash, radix: 16)) }, forKey: .streams)
        try c.encode(rings.map { RingCoding(r: $0.ring.text, q: Self.flat($0.seqs)) }, forKey: .rings)
        try c.encode(relocated.map { RelocationCoding(id: $0.id.text, r: $0.slot.ring.text, q: $0.slot.seq) }, forKey: .relocated)
        try c.encodeIfPresent(maxSlot, forKey: .maxSlot)
    }
}

enum LogSnapshotError: Error {
    case oddRanges
    case badStream(String)
    case badRing(String)
}
