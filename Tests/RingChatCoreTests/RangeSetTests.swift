import Testing
@testable import RingChatCore

@Suite("RangeSet: the compact version vector")
struct RangeSetTests {
    @Test("random inserts keep exactly the members inserted, as disjoint non-adjacent ranges", arguments: [UInt64(1), 2, 3, 4])
    func randomInserts(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var set = RangeSet<UInt32>()
        var truth = Set<UInt32>()
        for _ in 0..<2_000 {
            let v = UInt32(rng.next() % 300)
            #expect(set.insert(v) == truth.insert(v).inserted)
        }
        #expect(set.members == truth.sorted())
        #expect(set.count == truth.count)
        for (a, b) in zip(set.ranges, set.ranges.dropFirst()) { #expect(a.upperBound + 1 < b.lowerBound) }
        for v: UInt32 in 0..<310 { #expect(set.contains(v) == truth.contains(v)) }
        #expect(RangeSet(ranges: set.ranges) == set)
    }

    @Test("random inserts and removes keep exactly the members left", arguments: [UInt64(8), 9])
    func randomRemoves(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var set = RangeSet<UInt32>(ranges: [0...299])
        var truth = Set<UInt32>(0...299)
        for _ in 0..<2_000 {
            let v = UInt32(rng.next() % 310)
            if rng.next() & 1 == 0 {
                #expect(set.remove(v) == (truth.remove(v) != nil))
            } else {
                #expect(set.insert(v) == truth.insert(v).inserted)
            }
        }
        #expect(set.members == truth.sorted())
        #expect(set.count == truth.count)
        for (a, b) in zip(set.ranges, set.ranges.dropFirst()) { #expect(a.upperBound + 1 < b.lowerBound) }
    }

    @Test("first(in:) and last(in:) match a scan of the members", arguments: [UInt64(5), 6, 7])
    func firstAndLastInRange(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var set = RangeSet<UInt32>()
        for _ in 0..<150 { set.insert(UInt32(rng.next() % 300)) }
        let members = Set(set.members)
        for _ in 0..<500 {
            let a = UInt32(rng.next() % 320), b = UInt32(rng.next() % 320)
            let r = min(a, b)...max(a, b)
            #expect(set.first(in: r) == r.first(where: members.contains))
            #expect(set.last(in: r) == r.reversed().first(where: members.contains))
        }
    }

    @Test("contiguous from 1, and range inserts that overlap and touch")
    func contiguousAndRanges() {
        var set = RangeSet<UInt64>()
        #expect(set.contiguous(from: 1) == 0)
        set.insert(5...9)
        #expect(set.contiguous(from: 1) == 0)
        set.insert(1...3)
        #expect(set.contiguous(from: 1) == 3)
        set.insert(4)
        #expect(set.ranges == [1...9])
        set.insert(8...12)
        set.insert(UInt64.max)
        #expect(set.ranges == [1...12, UInt64.max...UInt64.max])
        #expect(set.count == 13)
    }
}
