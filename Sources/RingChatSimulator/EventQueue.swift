import RingChatCore

/// A min-heap of timed events. Ties break by insertion order, so a run is
/// a pure function of its seed.
///
/// Every datagram copy and timer of a run passes through here: the sifts
/// move entries into a hole instead of swapping them, and compare keys
/// without copying the events.
struct EventQueue<Event> {
    private struct Entry {
        var time: Instant
        var order: UInt64
        var event: Event
    }

    private var heap: [Entry] = []
    private var counter: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    /// The event `pop` would return next, left in place.
    var next: (time: Instant, event: Event)? { heap.first.map { ($0.time, $0.event) } }

    mutating func push(_ e: Event, at time: Instant) {
        counter += 1
        let order = counter
        heap.append(Entry(time: time, order: order, event: e))
        heap.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            var i = buf.count - 1
            guard i > 0 else { return }
            let x = (base + i).move()
            while i > 0 {
                let parent = (i - 1) / 2
                guard Self.less(time, order, base[parent].time, base[parent].order) else { break }
                (base + i).moveInitialize(from: base + parent, count: 1)
                i = parent
            }
            (base + i).initialize(to: x)
        }
    }

    mutating func pop() -> (time: Instant, event: Event)? {
        guard let last = heap.popLast() else { return nil }
        if heap.isEmpty { return (last.time, last.event) }
        // The root leaves; `last` sinks from the root's place.
        var top: Entry?
        heap.withUnsafeMutableBufferPointer { buf in
            let base = buf.baseAddress!
            let n = buf.count
            top = base.move()
            var i = 0
            while true {
                var c = 2 * i + 1
                if c >= n { break }
                if c + 1 < n && Self.less(base[c + 1].time, base[c + 1].order, base[c].time, base[c].order) { c += 1 }
                guard Self.less(base[c].time, base[c].order, last.time, last.order) else { break }
                (base + i).moveInitialize(from: base + c, count: 1)
                i = c
            }
            (base + i).initialize(to: last)
        }
        return (top!.time, top!.event)
    }

    @inline(__always)
    private static func less(_ t1: Instant, _ o1: UInt64, _ t2: Instant, _ o2: UInt64) -> Bool {
        t1 < t2 || (t1 == t2 && o1 < o2)
    }
}
