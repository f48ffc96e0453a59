import Testing
@testable import RingChatCore

/// A stream's counter index (dense window, dictionary for the rest) answers
/// exactly as a plain dictionary would, whatever the order of inserts and
/// removals: counters in order, holes filled late, counters below the
/// window, far ahead of it, and the window emptied and started again.
@Suite("CounterIndex against a dictionary")
struct CounterIndexTests {
    @Test("random inserts, removals and lookups", arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func matchesDictionary(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var index = CounterIndex()
        var truth: [UInt32: Int32] = [:]
        var next: UInt32 = 1 + UInt32(rng.next() % 1_000)
        func randomCounter() -> UInt32 {
            switch rng.next() % 10 {
            case 0: return UInt32(rng.next() % UInt64(next + 10))
            case 1: return next + UInt32(rng.next() % UInt64(2 * CounterIndex.maxAhead))
            default:
                defer { next += 1 }
                return next
            }
        }
        for step in 0..<20_000 {
            let op = rng.next() % 100
            if op < 55 {
                // The log sets a counter only while it is not held.
                let c = randomCounter()
                guard truth[c] == nil else { continue }
                let place = Int32(step)
                index.set(c, place)
                truth[c] = place
            } else if op < 80, let victim = truth.keys.randomElement(using: &rng) {
                index.remove(victim)
                truth[victim] = nil
            } else if op < 85 {
                // The oldest goes first, as the log's FIFO mostly does.
                if let oldest = truth.keys.min() {
                    index.remove(oldest)
                    truth[oldest] = nil
                }
            } else if op < 86 {
                // Removing what is not held changes nothing.
                let c = randomCounter()
                if truth[c] == nil { index.remove(c) }
            } else {
                let c = randomCounter()
                #expect(index[c] == truth[c], "seed \(seed) step \(step) counter \(c)")
            }
            if step % 1_000 == 0 {
                for (c, place) in truth { #expect(index[c] == place, "seed \(seed) step \(step) counter \(c)") }
            }
        }
        for (c, place) in truth { #expect(index[c] == place) }
    }

    @Test("emptied, the window starts again at the next counter, however far")
    func emptiedWindowRestarts() {
        var index = CounterIndex()
        for c in UInt32(1)...10 { index.set(c, Int32(c)) }
        for c in UInt32(1)...10 { index.remove(c) }
        index.set(1_000_000, 7)
        index.set(1_000_001, 8)
        #expect(index[1_000_000] == 7)
        #expect(index[1_000_001] == 8)
        #expect(index[5] == nil)
        index.set(5, 9)
        #expect(index[5] == 9, "below the window: kept aside")
    }
}
