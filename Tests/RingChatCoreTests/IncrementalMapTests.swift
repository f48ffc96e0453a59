import Testing
@testable import RingChatCore

/// The incremental map behaves as a Dictionary across its growth steps
/// (checked against one on a random mix of inserts, updates and removals).
@Suite("IncrementalMap")
struct IncrementalMapTests {
    @Test("agrees with a Dictionary through several doublings")
    func agreesWithDictionary() {
        var m = IncrementalMap<UInt64, Int>()
        var d: [UInt64: Int] = [:]
        var g = SplitMix64(seed: 5)
        for i in 0..<40_000 {
            let k = g.next() % 30_000
            switch g.next() % 10 {
            case 0:
                m[k] = nil
                d[k] = nil
            default:
                m[k] = i
                d[k] = i
            }
            if i % 997 == 0 {
                #expect(m.count == d.count, "count at step \(i)")
                let probe = g.next() % 30_000
                #expect(m[probe] == d[probe], "value of \(probe) at step \(i)")
            }
        }
        #expect(m.count == d.count)
        #expect(Set(m.keys) == Set(d.keys))
        for (k, v) in d { #expect(m[k] == v) }
    }

    @Test("a set built incrementally holds exactly what was inserted")
    func set() {
        var s = IncrementalSet<UInt32>()
        for i in stride(from: UInt32(0), to: 50_000, by: 1) { let added = s.insert(i * 3); #expect(added) }
        let again = s.insert(3)
        #expect(!again)
        #expect(s.count == 50_000)
        #expect(s.contains(149_997) && !s.contains(149_998))
        #expect(Set(s.elements).count == 50_000)
    }
}
