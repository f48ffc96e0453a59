import RingChatCore
import RingChatIO

/// A run of replica lines, the unit the index stores (one row per run, not
/// per line): lines next to each other in the file, of one stream with
/// consecutive counters, in one ring with consecutive seqs. Under load a
/// sender's batch from one token visit is one run; a backfill, another
/// sender's line or a line typed at human speed starts a new one, so a run
/// is at worst one line.
///
/// Line k (0-based) is message `id0` + k at slot `slot0` + k, and the k-th
/// line of the bytes `offset ..< offset + length`.
struct ReplicaRun: Equatable {
    var offset: Int
    var length: Int
    var count: Int
    var id0: MessageID
    var slot0: Slot

    /// Bounds that keep a run's bytes one small read and let a lookup by
    /// counter or seq scan a bounded range of first counters or seqs.
    static let maxLines = 256
    static let maxBytes = 64 << 10

    init(offset: Int, length: Int, count: Int, id0: MessageID, slot0: Slot) {
        self.offset = offset
        self.length = length
        self.count = count
        self.id0 = id0
        self.slot0 = slot0
    }

    init(_ row: ReplicaIndex.Row) {
        self.init(offset: row.location.offset, length: row.location.length, count: 1, id0: row.id, slot0: row.slot)
    }

    var end: Int { offset + length }

    func id(_ k: Int) -> MessageID {
        MessageID(origin: id0.origin, incarnation: id0.incarnation, counter: id0.counter + UInt32(k))
    }

    func slot(_ k: Int) -> Slot { Slot(ring: slot0.ring, seq: slot0.seq + UInt64(k)) }

    /// Adds the line at `location` if it continues the run; false if it
    /// must start another one.
    mutating func extend(_ row: ReplicaIndex.Row) -> Bool {
        let (location, id, slot) = (row.location, row.id, row.slot)
        guard count < Self.maxLines, length + location.length <= Self.maxBytes, location.offset == end,
              id.stream == id0.stream, UInt64(id.counter) == UInt64(id0.counter) + UInt64(count),
              slot.ring == slot0.ring, slot.seq >= slot0.seq, slot.seq - slot0.seq == UInt64(count)
        else { return false }
        length += location.length
        count += 1
        return true
    }

    /// The lines whose counters lie in `counters`, as k's.
    func lines(counters: ClosedRange<UInt32>) -> ClosedRange<Int>? {
        Self.window(first: UInt64(id0.counter), count: count, UInt64(counters.lowerBound)...UInt64(counters.upperBound))
    }

    /// The lines whose slots lie strictly above `slot` (`above`) or
    /// strictly below it, as k's.
    func lines(beyond slot: Slot, above: Bool) -> ClosedRange<Int>? {
        if slot0.ring != slot.ring { return (slot0.ring > slot.ring) == above ? 0...(count - 1) : nil }
        if above { return slot.seq == .max ? nil : Self.window(first: slot0.seq, count: count, (slot.seq + 1)...UInt64.max) }
        return slot.seq == 0 ? nil : Self.window(first: slot0.seq, count: count, 0...(slot.seq - 1))
    }

    /// The k of the line with counter `c` or seq `s`, if the run holds it.
    func line(counter c: UInt32) -> Int? { lines(counters: c...c)?.lowerBound }
    func line(at s: Slot) -> Int? {
        s.ring == slot0.ring ? Self.window(first: slot0.seq, count: count, s.seq...s.seq)?.lowerBound : nil
    }

    /// The k's of lines numbered `first`, `first + 1`... that fall in `range`.
    static func window(first: UInt64, count: Int, _ range: ClosedRange<UInt64>) -> ClosedRange<Int>? {
        guard range.upperBound >= first else { return nil }
        let lo = range.lowerBound > first ? range.lowerBound - first : 0
        let hi = min(range.upperBound - first, UInt64(count - 1))
        return lo <= hi ? Int(lo)...Int(hi) : nil
    }

    /// The lowest value whose run may hold `v`: a run starts at most
    /// `maxLines - 1` before its last line.
    static func earliestStart(_ v: UInt64) -> UInt64 { v >= UInt64(maxLines - 1) ? v - UInt64(maxLines - 1) : 0 }
}

/// Line k of a run.
struct RunLine {
    let run: ReplicaRun
    let k: Int
    var id: MessageID { run.id(k) }
    var slot: Slot { run.slot(k) }

    /// Whether it comes before `o` in the file.
    func isEarlier(than o: RunLine) -> Bool { run.offset != o.run.offset ? run.offset < o.run.offset : k < o.k }
}
