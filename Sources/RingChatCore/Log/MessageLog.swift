/// A node's replica as the core keeps it in memory: the compact version
/// vector (per stream, the counters held as ranges), which slots of each
/// ring are occupied (as ranges), and a bounded cache of recent messages.
/// Older messages live only in the replica file; the node reads them
/// through its `HistoryStore` when a peer asks for them.
///
/// The replica is a grow-only set with one agreed order (by slot), so two
/// logs holding the same ids render identically.
public struct MessageLog: Sendable {
    /// Recent messages by id, each with its canonical slot: the lowest slot
    /// it was ever seen at (a line re-sent after its sender crashed can
    /// occupy two slots; the minimum is the same everywhere once the
    /// replicas converge), and whether it was shown. Undelivered messages
    /// (the hold-back queue) are never evicted.
    ///
    /// The entries live in a slab (an array with a list of vacant places);
    /// each stream's `CounterIndex` maps a counter to its place, and every
    /// cached slot records the place beside the id. The hot path (a new
    /// message of the current ring, its delivery through its slot, its
    /// eviction) hashes nothing but, now and then, a stream id: the last
    /// stream inserted to is remembered, and an entry knows its stream's
    /// number. The profile of `ringchat bench --tput` had this log at 15%
    /// of a node's CPU when a set of undelivered ids, a dictionary of slots
    /// and repeated lookups made thirteen hash operations; a dictionary of
    /// entries keyed by id, hashed in and out, was still 6%.
    private var slab: [Entry] = []
    /// Places of `slab` that hold no message, reused first.
    private var vacant: [Int32] = []
    struct Entry: Sendable {
        /// Nil while the place is vacant (its strings are released).
        var message: ChatMessage?
        var delivered: Bool
        /// The number of the message's stream in `streams`.
        var stream: Int32
    }
    /// A cached slot's id and the place of its message in `slab`. The
    /// place is only a hint: a message seen at two slots leaves the cache
    /// when its canonical slot does, and the other slot may stay cached
    /// (it still answers `id(at:)`) while the place is vacant or reused; an
    /// id is cached at most once in a log's life (once evicted it is held,
    /// and a held id is never cached again), so a place whose message has
    /// the slot's id is that message's.
    struct Ref: Sendable {
        var id: MessageID
        var place: Int32
    }
    /// The cached messages by id (a copy: for tests and rare paths).
    public var cached: [MessageID: ChatMessage] {
        Dictionary(uniqueKeysWithValues: slab.lazy.compactMap(\.message).map { ($0.id, $0) })
    }
    public var cachedCount: Int { slab.count - vacant.count }
    /// Recent occupied slots, including the extra slots of re-sent lines.
    private var cachedSlots = SlotIndex<Ref>()
    /// Messages kept in `cached` at most (more while undelivered ones wait).
    public let capacity: Int
    /// Whether every message held is in `cached` (nothing evicted, not
    /// started from a snapshot).
    public private(set) var isComplete = true

    /// Every stream held, by number (in the order first seen: a stream is
    /// only added, never removed, so a number stays valid).
    private var streams: [StreamCounters] = []
    private var streamNumbers: [StreamID: Int] = [:]
    /// The stream last inserted to: a batch of lines is mostly one sender's.
    private var lastStream: (id: StreamID, number: Int)?
    /// The stream ids, sorted: every heartbeat and every status refresh
    /// walks them.
    private var sortedStreams: [StreamID] = []
    /// The occupied seqs of every ring but the hot one.
    private var coldRings: [RingID: RangeSet<UInt64>] = [:]
    /// The ring most messages go to (the current one), kept out of the
    /// dictionary so that the hot path never hashes a RingID.
    private var hotRing: RingID?
    private var hotSeqs = RangeSet<UInt64>()
    /// Ids whose canonical slot moved below the slot of their replica line
    /// (they were seen again at a lower slot). Rare; kept for good.
    public private(set) var relocated: [MessageID: Slot] = [:]
    /// Order-independent hash of every (stream, counter) held: the sum of
    /// the per-message hashes.
    private(set) var summaryHash: UInt64 = 0
    public private(set) var count = 0
    /// The highest canonical slot held.
    public private(set) var maxSlot: Slot?
    /// Cached slots (with what they hold) in insertion order, for
    /// eviction (FIFO from `fifoHead`).
    private var fifo: [(slot: Slot, ref: Ref)] = []
    private var fifoHead = 0

    /// 2,048: re-sends and reconcile answers of the last moments come from
    /// memory, older ones from the store (which a read waits to see
    /// current: `DiskWriter.requestIndex`). Eviction frees what the CPU
    /// still has at hand: 8,192 took 4% more CPU per message under load.
    public static let defaultCapacity = 2_048

    public init(capacity: Int = MessageLog.defaultCapacity) {
        self.capacity = Swift.max(1, capacity)
    }

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

    /// Adds `m`. A new message counts as undelivered until `markDelivered`
    /// (pass `delivered: true` when replaying history that was shown).
    ///
    /// Content checks need the message: a copy of an evicted message is
    /// taken as a duplicate (or an extra slot) without comparing its text.
    public mutating func insert(_ m: ChatMessage, delivered: Bool = false) -> InsertResult {
        let slotTaken = isOccupied(m.slot)
        let s = m.id.stream
        let streamNumber = number(of: s)
        let idHeld = streamNumber.map { streams[$0].held.contains(m.id.counter) } ?? false
        // A copy at its cached slot finds its entry through the slot.
        var holder: Ref?
        if slotTaken {
            holder = cachedSlots[m.slot]
            if let h = holder {
                if h.id != m.id { return .conflict }
            } else if !idHeld {
                return .conflict
            }
        }
        if idHeld {
            let place = holder.map { self.place(of: $0) } ?? streamNumber.flatMap { self.place(of: m.id.counter, in: $0) }
            if let i = place {
                let old = slab[i].message!
                guard old.text == m.text, old.nick == m.nick, old.kind == m.kind, old.room == m.room else { return .conflict }
                if slotTaken { return .duplicate }
                occupy(m.slot, by: Ref(id: m.id, place: Int32(i)))
                if m.slot < old.slot {
                    slab[i].message!.slot = m.slot
                    relocated[m.id] = m.slot
                }
                return .extraSlot
            }
            if slotTaken { return .duplicate }
            insertSeq(m.slot)
            return .extraSlot
        }
        let n = streamNumber ?? addStream(s)
        let i = store(Entry(message: m, delivered: delivered, stream: Int32(n)))
        streams[n].places.set(m.id.counter, i)
        occupy(m.slot, by: Ref(id: m.id, place: i))
        let h = StreamCounters.hash(s, m.id.counter)
        streams[n].insert(m.id.counter, hash: h)
        summaryHash = summaryHash &+ h
        count += 1
        if maxSlot.map({ m.slot > $0 }) ?? true { maxSlot = m.slot }
        if cachedCount > capacity { evict() }
        return .new
    }

    /// The number of stream `s`, if held (and remembered for the next
    /// insert).
    private mutating func number(of s: StreamID) -> Int? {
        guard let n = lookUp(s) else { return nil }
        lastStream = (s, n)
        return n
    }

    /// The number of stream `s`, if held (without remembering it).
    private func lookUp(_ s: StreamID) -> Int? {
        if let last = lastStream, last.id == s { return last.number }
        return streamNumbers[s]
    }

    private mutating func addStream(_ s: StreamID) -> Int {
        let n = streams.count
        streams.append(StreamCounters(id: s))
        streamNumbers[s] = n
        lastStream = (s, n)
        sortedStreams.insert(s, at: sortedStreams.firstIndex { $0 > s } ?? sortedStreams.count)
        return n
    }

    /// The place of the cached message `counter` of stream number `n`.
    private func place(of counter: UInt32, in n: Int) -> Int? {
        streams[n].places[counter].map(Int.init)
    }

    /// The place of the cached message `id`.
    private func place(of id: MessageID) -> Int? {
        lookUp(id.stream).flatMap { place(of: id.counter, in: $0) }
    }

    private mutating func occupy(_ slot: Slot, by ref: Ref) {
        insertSeq(slot)
        cachedSlots.set(slot, ref)
        fifo.append((slot, ref))
    }

    /// Puts `e` in a vacant place of the slab (or a new one).
    private mutating func store(_ e: consuming Entry) -> Int32 {
        if let i = vacant.popLast() {
            slab[Int(i)] = e
            return i
        }
        slab.append(e)
        return Int32(slab.count - 1)
    }

    /// The place of `ref`'s message if it is still cached.
    private func place(of ref: Ref) -> Int? {
        let i = Int(ref.place)
        return slab[i].message?.id == ref.id ? i : nil
    }

    private mutating func insertSeq(_ slot: Slot) {
        if hotRing != slot.ring {
            if let h = hotRing { coldRings[h] = hotSeqs }
            hotRing = slot.ring
            hotSeqs = coldRings.removeValue(forKey: slot.ring) ?? RangeSet()
        }
        hotSeqs.insert(slot.seq)
    }

    private func seqs(of ring: RingID) -> RangeSet<UInt64>? {
        ring == hotRing ? hotSeqs : coldRings[ring]
    }

    /// Every ring's occupied seqs (a copy: snapshots and the checker).
    var rings: [RingID: RangeSet<UInt64>] {
        var all = coldRings
        if let h = hotRing { all[h] = hotSeqs }
        return all
    }

    /// Drops the oldest cached slots until seven eighths of `capacity` are
    /// left; undelivered messages go to the back of the queue instead.
    ///
    /// An eighth of the cache at a time, not one message per insert: what
    /// is evicted was written long ago and is out of the CPU's caches, and
    /// a run of evictions lets the processor wait for many of those misses
    /// at once (the release of each text, its free, the indexes). One at a
    /// time, interleaved with the rest of a message's work, eviction was
    /// 7.7% of a busy node's samples; 256 at a time, 5.7% (AMD EPYC).
    private mutating func evict() {
        let target = capacity - capacity / 8
        var budget = fifo.count - fifoHead
        while cachedCount > target, fifoHead < fifo.count, budget > 0 {
            budget -= 1
            let e = fifo[fifoHead]
            fifoHead += 1
            if let i = place(of: e.ref) {
                if !slab[i].delivered {
                    fifo.append(e)
                    continue
                }
                // A message at two slots stays until its canonical one goes.
                if slab[i].message!.slot == e.slot {
                    streams[Int(slab[i].stream)].places.remove(e.ref.id.counter)
                    slab[i].message = nil
                    vacant.append(e.ref.place)
                }
            }
            cachedSlots.remove(e.slot)
            isComplete = false
        }
        if fifoHead > 4_096, fifoHead * 2 > fifo.count {
            fifo.removeFirst(fifoHead)
            fifoHead = 0
        }
    }

    public func contains(_ id: MessageID) -> Bool {
        lookUp(id.stream).map { streams[$0].held.contains(id.counter) } ?? false
    }

    /// Whether some message occupies `slot` (cached or not).
    public func isOccupied(_ slot: Slot) -> Bool {
        seqs(of: slot.ring)?.contains(slot.seq) ?? false
    }

    /// The cached message with this id.
    public func message(_ id: MessageID) -> ChatMessage? { place(of: id).flatMap { slab[$0].message } }

    /// The id at `slot`, if cached.
    public func id(at slot: Slot) -> MessageID? { cachedSlots[slot]?.id }

    /// The cached message at `slot` (with its canonical slot).
    public func message(at slot: Slot) -> ChatMessage? {
        cachedSlots[slot].flatMap { place(of: $0) }.flatMap { slab[$0].message }
    }

    /// The cached message at `slot` if it was not shown yet: the delivery
    /// path's one question, without hashing for the current ring.
    public func undeliveredMessage(at slot: Slot) -> ChatMessage? {
        guard let r = cachedSlots[slot], let i = place(of: r), !slab[i].delivered else { return nil }
        return slab[i].message
    }

    /// `undeliveredMessage(at:)`, marked delivered in the same lookup: the
    /// drain's step for each message of the current ring.
    public mutating func takeUndelivered(at slot: Slot) -> ChatMessage? {
        guard let r = cachedSlots[slot], let i = place(of: r), !slab[i].delivered else { return nil }
        slab[i].delivered = true
        return slab[i].message
    }

    public mutating func markDelivered(_ id: MessageID) {
        if let i = place(of: id) { slab[i].delivered = true }
    }

    /// `markDelivered(id)` found through `slot`, a slot of `id` (its
    /// canonical one, which stays cached as long as the message does): no
    /// hashing for the current ring. Any other slot falls back to the id.
    public mutating func markDelivered(_ id: MessageID, at slot: Slot) {
        if let r = cachedSlots[slot], r.id == id, let i = place(of: r) {
            slab[i].delivered = true
        } else {
            markDelivered(id)
        }
    }

    /// Held and shown (everything replayed from the replica counts as shown;
    /// an evicted message was shown, since undelivered ones stay cached).
    public func isDelivered(_ id: MessageID) -> Bool {
        if let i = place(of: id) { return slab[i].delivered }
        return contains(id)
    }

    /// The cached messages at slots of `ring` with seqs in `range`, in seq
    /// order. The work is bounded by what is cached, never by the width of
    /// `range`: a peer chooses the seqs that delimit it. (Older messages
    /// are shown already: the callers only deliver what is not.)
    public func held(in ring: RingID, _ range: ClosedRange<UInt64>) -> [ChatMessage] {
        if range.upperBound - range.lowerBound < UInt64(cachedSlots.count) {
            var out: [ChatMessage] = []
            var s = range.lowerBound
            while true {
                if let m = message(at: Slot(ring: ring, seq: s)) { out.append(m) }
                if s == range.upperBound { break }
                s += 1
            }
            return out
        }
        return cachedSlots.held(in: ring, range).compactMap { place(of: $0.value).flatMap { slab[$0].message } }
    }

    /// The lowest occupied seq of `ring` in `range` (cached or not), from
    /// the ring's ranges: logarithmic in the holes, whatever the width.
    public func firstHeld(in ring: RingID, _ range: ClosedRange<UInt64>) -> UInt64? {
        seqs(of: ring)?.first(in: range)
    }

    /// The highest occupied seq of `ring` in `range`, likewise.
    public func lastHeld(in ring: RingID, _ range: ClosedRange<UInt64>) -> UInt64? {
        seqs(of: ring)?.last(in: range)
    }

    /// The cached messages in the agreed order: by canonical slot (ids
    /// break the impossible tie). The whole log while `isComplete`.
    public func sorted() -> [ChatMessage] {
        slab.compactMap(\.message).sorted { ($0.slot, $0.id) < ($1.slot, $1.id) }
    }

    /// Every occupied slot (for the simulator's checker; small logs only).
    public var occupiedSlots: [Slot] {
        rings.flatMap { r, set in set.members.map { Slot(ring: r, seq: $0) } }
    }

    // MARK: version vector

    public var summary: DigestSummary {
        DigestSummary(streams: UInt32(streams.count), messages: UInt64(count), hash: summaryHash)
    }

    public var streamIDs: [StreamID] { sortedStreams }

    /// Calls `body` with every stream and how many of its counters are
    /// held, in no particular order (no lookup per stream).
    public func forEachStreamCount(_ body: (StreamID, UInt32) -> Void) {
        for c in streams { body(c.id, UInt32(c.held.count)) }
    }

    public func entry(for s: StreamID) -> DigestEntry {
        guard let c = lookUp(s).map({ streams[$0] }) else { return DigestEntry(stream: s, contiguous: 0, max: 0, count: 0, setHash: 0) }
        return DigestEntry(stream: s, contiguous: c.contiguous, max: c.max, count: UInt32(c.held.count), setHash: c.setHash)
    }

    public func holds(_ s: StreamID, _ counter: UInt32) -> Bool {
        lookUp(s).map { streams[$0].held.contains(counter) } ?? false
    }

    /// Counters of `s` in `range` that this log lacks, as at most `limit`
    /// closed ranges (the reconciler's request).
    public func missing(in s: StreamID, _ range: ClosedRange<UInt32>, limit: Int) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        guard limit > 0 else { return out }
        let held = lookUp(s).map { streams[$0].held.ranges } ?? []
        var c = range.lowerBound
        for r in held where r.upperBound >= c {
            if r.lowerBound > range.upperBound { break }
            if r.lowerBound > c {
                out.append(c...(r.lowerBound - 1))
                if out.count == limit { return out }
            }
            if r.upperBound >= range.upperBound { return out }
            c = r.upperBound + 1
        }
        out.append(c...range.upperBound)
        return out
    }

    /// Cached messages of `s` with counters in `range`, in counter order,
    /// at most `limit`. `complete` is false when a held counter below the
    /// last one returned is not cached (the caller reads the store).
    public func messages(in s: StreamID, _ range: ClosedRange<UInt32>, limit: Int) -> (messages: [ChatMessage], complete: Bool) {
        guard let n = lookUp(s) else { return ([], true) }
        let c = streams[n]
        var out: [ChatMessage] = []
        var complete = true
        let hi = Swift.min(range.upperBound, c.max)
        guard range.lowerBound <= hi, limit > 0 else { return ([], true) }
        // Work bounded by the cache, not by the range a peer chose: past
        // that many held counters the rest is the store's.
        var budget = limit + cachedCount
        for r in c.held.ranges where r.upperBound >= range.lowerBound {
            if r.lowerBound > hi { break }
            for counter in Swift.max(r.lowerBound, range.lowerBound)...Swift.min(r.upperBound, hi) {
                budget -= 1
                if budget < 0 { return (out, false) }
                guard let m = place(of: counter, in: n).flatMap({ slab[$0].message }) else {
                    complete = false
                    continue
                }
                out.append(m)
                if out.count == limit { return (out, complete) }
            }
        }
        return (out, complete)
    }

    // MARK: snapshot

    /// What a checkpoint records so that a restart need not read the
    /// replica lines it covers.
    public var snapshot: LogSnapshot {
        LogSnapshot(streams: streams.map { .init(stream: $0.id, counters: $0.held.ranges, setHash: $0.setHash) }
                        .sorted { $0.stream < $1.stream },
                    rings: rings.map { .init(ring: $0.key, seqs: $0.value.ranges) }.sorted { $0.ring < $1.ring },
                    relocated: relocated.map { .init(id: $0.key, slot: $0.value) }.sorted { $0.id < $1.id },
                    maxSlot: maxSlot)
    }

    /// A log holding what `snapshot` recorded, with an empty cache.
    public init(snapshot: LogSnapshot, capacity: Int = MessageLog.defaultCapacity) {
        self.init(capacity: capacity)
        for s in snapshot.streams {
            guard streamNumbers[s.stream] == nil else { continue }
            var c = StreamCounters(id: s.stream)
            c.held = RangeSet(ranges: s.counters)
            c.setHash = s.setHash
            streamNumbers[s.stream] = streams.count
            streams.append(c)
            summaryHash = summaryHash &+ s.setHash
            count += c.held.count
        }
        sortedStreams = streamNumbers.keys.sorted()
        for r in snapshot.rings { coldRings[r.ring] = RangeSet(ranges: r.seqs) }
        for r in snapshot.relocated { relocated[r.id] = r.slot }
        maxSlot = snapshot.maxSlot
        isComplete = count == 0
    }
}

/// The counters held of one stream, with what the digest needs kept current,
/// and where its cached messages are.
struct StreamCounters: Sendable {
    let id: StreamID
    var held = RangeSet<UInt32>()
    var places = CounterIndex()
    var setHash: UInt64 = 0

    var contiguous: UInt32 { held.contiguous(from: 1) }
    var max: UInt32 { held.max ?? 0 }

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
    }
}
