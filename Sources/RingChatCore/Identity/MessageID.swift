/// A message's identity: (origin, incarnation, counter).
///
/// The incarnation is bumped durably on every start, and the counter starts
/// again at 1 inside each incarnation, so an id is never reused, even after
/// a crash that lost the counter.
public struct MessageID: Hashable, Comparable, Sendable {
    public var origin: NodeID
    public var incarnation: UInt32
    public var counter: UInt32

    public init(origin: NodeID, incarnation: UInt32, counter: UInt32) {
        self.origin = origin
        self.incarnation = incarnation
        self.counter = counter
    }

    /// The (origin, incarnation) stream this id belongs to: the unit the
    /// reconciler's version vector counts in.
    public var stream: StreamID { StreamID(origin: origin, incarnation: incarnation) }

    public static func < (a: MessageID, b: MessageID) -> Bool {
        (a.origin, a.incarnation, a.counter) < (b.origin, b.incarnation, b.counter)
    }

    // As `StreamID`: two one-shot seeded hashes (incarnation and counter as
    // one word seed the origin's) instead of a streaming Hasher with three
    // combines: the log's cache is keyed by id, hashed in and out once per
    // message.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(origin)
        hasher.combine(incarnation)
        hasher.combine(counter)
    }

    public func _rawHashValue(seed: Int) -> Int {
        origin.raw._rawHashValue(seed: (UInt64(incarnation) << 32 | UInt64(counter))._rawHashValue(seed: seed))
    }

    /// `origin.incarnation.counter`, e.g. `00a1b2c3d4e5f607.3.17`.
    public var text: String { "\(origin.hex).\(incarnation).\(counter)" }

    public init?(text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let o = NodeID(hex: String(parts[0])),
              let i = UInt32(parts[1]), let c = UInt32(parts[2]) else { return nil }
        self.init(origin: o, incarnation: i, counter: c)
    }
}

extension MessageID: CustomStringConvertible {
    public var description: String { "\(origin.short).\(incarnation).\(counter)" }
}

extension MessageID: TextIdentifier {
    public static let textFormat = "origin.incarnation.counter"
}

/// One origin's messages within one incarnation.
public struct StreamID: Hashable, Comparable, Sendable {
    public var origin: NodeID
    public var incarnation: UInt32

    public init(origin: NodeID, incarnation: UInt32) {
        self.origin = origin
        self.incarnation = incarnation
    }

    public static func < (a: StreamID, b: StreamID) -> Bool {
        (a.origin, a.incarnation) < (b.origin, b.incarnation)
    }

    // Two one-shot seeded hashes (the incarnation's hash seeds the
    // origin's) instead of a streaming Hasher: the digest entries are
    // keyed by stream and looked up for every heartbeat, 1.4x faster.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(origin)
        hasher.combine(incarnation)
    }

    public func _rawHashValue(seed: Int) -> Int {
        origin.raw._rawHashValue(seed: incarnation._rawHashValue(seed: seed))
    }
}
