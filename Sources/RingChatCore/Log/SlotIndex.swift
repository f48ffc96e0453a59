/// What each cached slot holds (for the message log: the message's id and
/// its place in the log's slab). The current ring's slots
/// arrive nearly in seq order, so they live in a dense window indexed by
/// seq (no hashing: the dictionary of slots, its lookups and deletions,
/// were a tenth of a busy node's CPU); slots of older rings, seqs below
/// the window and seqs far ahead of it go to a dictionary.
///
/// Every slot is in exactly one of the two: in the window when it is of the
/// window's ring and within its span when inserted, else in the dictionary.
/// The window only moves forward (to a newer ring, or past leading slots
/// that were removed), so a slot never changes place while it is held; a
/// seq placed far ahead in the dictionary may later fall inside the grown
/// window, so an empty place in the window means "look in the dictionary"
/// (only while the dictionary holds slots of the window's ring: a hole
/// filled out of order then costs no hashing).
struct SlotIndex<Value: Sendable>: Sendable {
    private var ring: RingID?
    /// The seq of `window[head]`.
    private var base: UInt64 = 0
    private var window: [Value?] = []
    private var head = 0
    private var others: [Slot: Value] = [:]
    /// How many keys of `others` are of the window's ring.
    private var othersInRing = 0
    private(set) var count = 0

    /// How far past the window's end a seq may land and still be placed in
    /// it (the gap is padded with empty places).
    static var maxAhead: UInt64 { 65_536 }

    private func windowIndex(_ s: Slot) -> Int? {
        guard s.ring == ring, s.seq >= base else { return nil }
        let offset = s.seq - base
        guard offset < UInt64(window.count - head) else { return nil }
        return head + Int(offset)
    }

    subscript(_ s: Slot) -> Value? {
        if let i = windowIndex(s) {
            if let v = window[i] { return v }
            if othersInRing == 0 { return nil }
        }
        return others[s]
    }

    mutating func set(_ s: Slot, _ id: Value) {
        if ring.map({ s.ring > $0 }) ?? true { adopt(s.ring, from: s.seq) }
        if s.ring == ring, s.seq >= base {
            let offset = s.seq - base
            let length = UInt64(window.count - head)
            if offset < length {
                let i = head + Int(offset)
                if window[i] == nil {
                    if othersInRing > 0, let o = others.index(forKey: s) {
                        others.values[o] = id
                        return
                    }
                    count += 1
                }
                window[i] = id
                return
            }
            if offset - length <= Self.maxAhead {
                window.append(contentsOf: repeatElement(nil, count: Int(offset - length)))
                window.append(id)
                count += 1
                return
            }
        }
        if others.updateValue(id, forKey: s) == nil {
            count += 1
            if s.ring == ring { othersInRing += 1 }
        }
    }

    mutating func remove(_ s: Slot) {
        guard let i = windowIndex(s), window[i] != nil else {
            if others.removeValue(forKey: s) != nil {
                count -= 1
                if s.ring == ring { othersInRing -= 1 }
            }
            return
        }
        window[i] = nil
        count -= 1
        while head < window.count, window[head] == nil {
            head += 1
            base += 1
        }
        if head >= 4_096, head * 2 >= window.count {
            window.removeFirst(head)
            head = 0
        }
    }

    /// The held slots of `ring` with seqs in `range` and their values, in
    /// seq order; the work is bounded by what is held, not by the range.
    func held(in r: RingID, _ range: ClosedRange<UInt64>) -> [(seq: UInt64, value: Value)] {
        var out: [(seq: UInt64, value: Value)] = others.compactMap {
            $0.key.ring == r && range.contains($0.key.seq) ? (seq: $0.key.seq, value: $0.value) : nil
        }
        if r == ring {
            for i in head..<window.count {
                let seq = base + UInt64(i - head)
                if seq > range.upperBound { break }
                if seq >= range.lowerBound, let v = window[i] { out.append((seq: seq, value: v)) }
            }
        }
        return out.sorted { $0.seq < $1.seq }
    }

    /// A newer ring takes the window; the old ring's slots move to the
    /// dictionary (once per ring change, at most the cache's size).
    private mutating func adopt(_ r: RingID, from seq: UInt64) {
        if let old = ring {
            for i in head..<window.count {
                if let v = window[i] { others[Slot(ring: old, seq: base + UInt64(i - head))] = v }
            }
        }
        // Rings only grow here: `others` holds nothing of the new one.
        othersInRing = 0
        ring = r
        base = seq
        window = []
        head = 0
    }
}
