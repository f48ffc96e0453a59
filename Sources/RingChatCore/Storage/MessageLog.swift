/// A node's replica in memory: every message held, indexed by id, by slot
/// and by origin stream (for the reconciler's version vector).
///
/// The replica is a grow-only set with one agreed order (by slot), so two
/// logs holding the same ids render identically.
public struct MessageLog: Sendable {
    /// Each id with its canonical slot: the lowest slot it was ever seen at
    /// (a line re-sent after its sender crashed can occupy two slots; the
    /// minimum is the same everywhere once the replicas converge).
    public private(set) var byID = IncrementalMap<MessageID, ChatMessage>()
    /// Every occupied slot, including the extra slots of re-sent lines.
    public private(set) var bySlot = IncrementalMap<Slot, MessageID>()
    private(set) var streams: [StreamID: StreamCounters] = [:]
    /// Order-independent hash of every (stream, counter) held: the sum of
    /// the per-message hashes.
    private(set) var summaryHash: UInt64 = 0

    public init() {}

    public var count: Int { byID.count }

    public enum InsertResult: Equatable, Sendable {
        /// A message not held before.
        case new
        /// Already held at this slot.
        case duplicate
        /// Already held; this is one more slot for it (a re-sent line).
        case extraSlot
        /// The id is held with other content, or the slot holds another id:
        /// a peer that breaks agreement. Rejected.
        case conflict
    }

    public mutating func insert(_ m: ChatMessage) -> InsertResult {
        if let existingID = bySlot[m.slot], existingID != m.id { return .conflict }
        if let old = byID[m.id] {
            guard old.text == m.text, old.nick == m.nick, old.kind == m.kind else { return .conflict }
            if bySlot[m.slot] != nil { return .duplicate }
            bySlot[m.slot] = m.id
            if m.slot < old.slot { byID[m.id]!.slot = m.slot }
            return .extraSlot
        }
        byID[m.id] = m
        bySlot[m.slot] = m.id
        let s = m.id.stream
        let h = StreamCounters.hash(s, m.id.counter)
        streams[s, default: StreamCounters()].insert(m.id.counter, hash: h)
        summaryHash = summaryHash &+ h
        return .new
    }

    public func contains(_ id: MessageID) -> Bool { byID[id] != nil }

    public func message(at slot: Slot) -> ChatMessage? {
        bySlot[slot].flatMap { byID[$0] }
    }

    /// The messages held at slots of `ring` with seqs in `range`, in seq
    /// order. The work is bounded by what is held, never by the width of
    /// `range`: a peer chooses the seqs that delimit it.
    public func held(in ring: RingID, _ range: ClosedRange<UInt64>) -> [ChatMessage] {
        if walkable(range) {
            var out: [ChatMessage] = []
            var s = range.lowerBound
            while true {
                if let m = message(at: Slot(ring: ring, seq: s)) { out.append(m) }
                if s == range.upperBound { break }
                s += 1
            }
            return out
        }
        let slots: [Slot] = bySlot.keys.filter { $0.ring == ring && range.contains($0.seq) }
        return slots.sorted { $0.seq < $1.seq }.compactMap { message(at: $0) }
    }

    /// The lowest seq of `ring` in `range` that is held, in work bounded by
    /// what is held (as `held(in:_:)`).
    public func firstHeld(in ring: RingID, _ range: ClosedRange<UInt64>) -> UInt64? {
        if walkable(range) {
            var s = range.lowerBound
            while true {
                if bySlot[Slot(ring: ring, seq: s)] != nil { return s }
                if s == range.upperBound { return nil }
                s += 1
            }
        }
        return bySlot.keys.lazy.filter { $0.ring == ring && range.contains($0.seq) }.map(\.seq).min()
    }

    /// Whether stepping through `range` costs less than looking at every
    /// held slot.
    private func walkable(_ range: ClosedRange<UInt64>) -> Bool {
        range.upperBound - range.lowerBound < UInt64(bySlot.count)
    }

    /// The agreed order: by canonical slot (ids break the impossible tie).
    public func sorted() -> [ChatMessage] {
        byID.values.sorted { ($0.slot, $0.id) < ($1.slot, $1.id) }
    }

    // MARK: version vector

    public var summary: DigestSummary {
        DigestSummary(streams: UInt32(streams.count), messages: UInt64(byID.count), hash: summaryHash)
    }

    public var streamIDs: [StreamID] { streams.keys.sorted() }

    public func entry(for s: StreamID) -> DigestEntry {
        guard let c = streams[s] else { return DigestEntry(stream: s, contiguous: 0, max: 0, count: 0, setHash: 0) }
        return DigestEntry(stream: s, contiguous: c.contiguous, max: c.max, count: UInt32(c.held.count), setHash: c.setHash)
    }

    public func holds(_ s: StreamID, _ counter: UInt32) -> Bool {
        streams[s]?.held.contains(counter) ?? false
    }

    /// Counters of `s` in `range` that this log lacks, as at most `limit`
    /// closed ranges (the reconciler's request).
    public func missing(in s: StreamID, _ range: ClosedRange<UInt32>, limit: Int) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        guard limit > 0 else { return out }
        var start: UInt32? = nil
        var c = range.lowerBound
        while true {
            let have = holds(s, c)
            if !have, start == nil { start = c }
            if have, let st = start { out.append(st...(c - 1)); start = nil; if out.count == limit { return out } }
            if c == range.upperBound { break }
            c += 1
        }
        if let st = start, out.count < limit { out.append(st...range.upperBound) }
        return out
    }

    /// Held messages of `s` with counters in `range`, in counter order.
    public func messages(in s: StreamID, _ range: ClosedRange<UInt32>, limit: Int) -> [ChatMessage] {
        guard let c = streams[s] else { return [] }
        var out: [ChatMessage] = []
        let hi = min(range.upperBound, c.max)
        guard range.lowerBound <= hi else { return [] }
        for counter in range.lowerBound...hi where c.held.contains(counter) {
            if let m = byID[MessageID(origin: s.origin, incarnation: s.incarnation, counter: counter)] {
                out.append(m)
                if out.count == limit { break }
            }
        }
        return out
    }
}

/// The counters held of one stream, with what the digest needs kept current.
struct StreamCounters: Sendable {
    var held = IncrementalSet<UInt32>()
    var contiguous: UInt32 = 0
    var max: UInt32 = 0
    var setHash: UInt64 = 0

    /// The hash of one held message. It mixes in the stream, so that two
    /// logs holding counter 5 of *different* streams never sum to the same
    /// summary (an early version did, and the reconciler then believed two
    /// diverged replicas were equal).
    static func hash(_ s: StreamID, _ counter: UInt32) -> UInt64 {
        SplitMix64.mix(SplitMix64.mix(s.origin.raw &+ UInt64(s.incarnation) << 32) ^ UInt64(counter))
    }

    mutating func insert(_ counter: UInt32, hash: UInt64) {
        guard held.insert(counter) else { return }
        setHash = setHash &+ hash
        if counter > max { max = counter }
        // Counters are 32 bits from the wire: stop at the top, don't wrap.
        while contiguous < UInt32.max, held.contains(contiguous + 1) { contiguous += 1 }
    }
}
