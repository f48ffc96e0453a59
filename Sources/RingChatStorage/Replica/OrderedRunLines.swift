import RingChatCore
import RingChatIO

/// The lines of the index's runs one at a time, in the order the per-line
/// index gave them: by slot, by slot then id, by counter (one stream) or by
/// file offset, ties in file order, ascending or exactly reversed.
///
/// Runs are read one at a time in the order of their first line (first
/// counter, first slot, offset); a run's lines come after its first one,
/// and at most `ReplicaRun.maxLines - 1` slots or counters after it, which
/// bounds how far ahead runs must be read before a line can be handed out.
/// In a node's replica runs do not overlap (a slot and an id are written
/// once), so this hands out one run's lines in a row; where they overlap
/// (an older replica, a hand edit) their lines are merged.
struct OrderedRunLines {
    enum Order { case slot, slotThenID, counter, file }

    private struct Cursor {
        var line: RunLine
        let last: Int
    }

    private let nextRun: () throws(SQLiteError) -> ReplicaRun?
    private let wanted: (ReplicaRun) -> ClosedRange<Int>?
    private let order: Order
    private let descending: Bool
    private var waiting: ReplicaRun?
    private var exhausted = false
    /// The runs being handed out, sorted so that the next line is last.
    private var open: [Cursor] = []

    /// `runs` in ascending (descending) order of their first line's key;
    /// `wanted` picks the lines of a run to hand out (a contiguous range).
    init(_ order: Order, descending: Bool = false, wanted: @escaping (ReplicaRun) -> ClosedRange<Int>? = { 0...($0.count - 1) },
         runs: @escaping () throws(SQLiteError) -> ReplicaRun?) {
        self.order = order
        self.descending = descending
        self.wanted = wanted
        nextRun = runs
    }

    mutating func next() throws(SQLiteError) -> RunLine? {
        while !exhausted {
            if waiting == nil {
                waiting = try nextRun()
                if waiting == nil { exhausted = true; break }
            }
            if let first = open.last, !mayHold(waiting!, first.line) { break }
            let r = waiting!
            waiting = nil
            if let ks = wanted(r) {
                insert(Cursor(line: RunLine(run: r, k: descending ? ks.upperBound : ks.lowerBound),
                              last: descending ? ks.lowerBound : ks.upperBound))
            }
        }
        guard var c = open.popLast() else { return nil }
        let line = c.line
        if line.k != c.last {
            c.line = RunLine(run: line.run, k: line.k + (descending ? -1 : 1))
            insert(c)
        }
        return line
    }

    /// The next `limit` lines at most.
    mutating func prefix(_ limit: Int) -> [RunLine] {
        var out: [RunLine] = []
        while out.count < limit, let l = try? next() { out.append(l) }
        return out
    }

    private mutating func insert(_ c: Cursor) {
        var lo = 0, hi = open.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if precedes(open[mid].line, c.line) { hi = mid } else { lo = mid + 1 }
        }
        open.insert(c, at: lo)
    }

    private func precedes(_ a: RunLine, _ b: RunLine) -> Bool {
        descending ? ascending(b, a) : ascending(a, b)
    }

    private func ascending(_ a: RunLine, _ b: RunLine) -> Bool {
        switch order {
        case .slot:
            let (x, y) = (a.slot, b.slot)
            return x != y ? x < y : a.isEarlier(than: b)
        case .slotThenID:
            let (x, y) = ((a.slot, a.id), (b.slot, b.id))
            return x != y ? x < y : a.isEarlier(than: b)
        case .counter:
            let (x, y) = (a.id.counter, b.id.counter)
            return x != y ? x < y : a.isEarlier(than: b)
        case .file:
            return a.isEarlier(than: b)
        }
    }

    /// Whether `r`, or a run read after it, may hold a line handed out
    /// before (or tied with) `line`.
    private func mayHold(_ r: ReplicaRun, _ line: RunLine) -> Bool {
        switch (order, descending) {
        case (.slot, false), (.slotThenID, false): return r.slot0 <= line.slot
        case (.slot, true), (.slotThenID, true):
            let s = line.slot
            return r.slot0.ring != s.ring ? r.slot0.ring > s.ring : r.slot0.seq >= ReplicaRun.earliestStart(s.seq)
        case (.counter, false): return r.id0.counter <= line.id.counter
        case (.counter, true): return UInt64(r.id0.counter) >= ReplicaRun.earliestStart(UInt64(line.id.counter))
        case (.file, false): return r.offset <= line.run.offset
        case (.file, true): return r.offset >= line.run.offset
        }
    }
}
