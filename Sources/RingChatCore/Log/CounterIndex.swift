/// The cached messages of one stream by counter: each one's place in the
/// message log's slab. A stream's counters arrive nearly in order and leave
/// the cache nearly in order, so they live in a dense window indexed by
/// counter (no hashing: a dictionary keyed by message id, hashed in and out
/// once per message, was among a busy node's top costs); counters below the
/// window or far ahead of it go to a dictionary (re-sent and repaired lines,
/// rare).
///
/// A counter is in exactly one of the two. The window only moves forward
/// (past leading counters that were removed), so a counter never changes
/// place while it is held; an empty place in the window means "look in the
/// dictionary", which is free while the dictionary is empty.
struct CounterIndex: Sendable {
    /// The counter of `window[head]`.
    private var base: UInt32 = 0
    /// Places in the slab; `vacant` where the counter is not cached here.
    private var window: [Int32] = []
    private var head = 0
    private var others: [UInt32: Int32] = [:]

    private static let vacant: Int32 = -1

    /// How far past the window's end a counter may land and still be
    /// placed in it (the gap is padded with empty places).
    static var maxAhead: UInt32 { 65_536 }

    private func windowIndex(_ c: UInt32) -> Int? {
        guard c >= base else { return nil }
        let offset = Int(c - base)
        return offset < window.count - head ? head + offset : nil
    }

    subscript(_ c: UInt32) -> Int32? {
        if let i = windowIndex(c), window[i] != Self.vacant { return window[i] }
        return others.isEmpty ? nil : others[c]
    }

    /// Records `place` for counter `c`, which is not held here (the log
    /// caches an id at most once in its life).
    mutating func set(_ c: UInt32, _ place: Int32) {
        if head == window.count {
            // Empty window: it starts at this counter.
            window.removeAll(keepingCapacity: true)
            head = 0
            base = c
        }
        if c >= base {
            let offset = c - base
            let length = UInt32(window.count - head)
            if offset < length {
                let i = head + Int(offset)
                window[i] = place
                return
            } else if offset - length <= Self.maxAhead {
                window.append(contentsOf: repeatElement(Self.vacant, count: Int(offset - length)))
                window.append(place)
                return
            }
        }
        others[c] = place
    }

    mutating func remove(_ c: UInt32) {
        guard let i = windowIndex(c), window[i] != Self.vacant else {
            if !others.isEmpty { others.removeValue(forKey: c) }
            return
        }
        window[i] = Self.vacant
        while head < window.count, window[head] == Self.vacant {
            head += 1
            base &+= 1
        }
        if head >= 4_096, head * 2 >= window.count {
            window.removeFirst(head)
            head = 0
        }
    }
}
