import Testing
@testable import RingChatCore

/// `MessageLog.missing(in:_:limit:)`: the reconciler's range computation.
@Suite("MessageLog.missing: the reconciler's ranges")
struct MessageLogMissingTests {
    static let stream = StreamID(origin: nodeB, incarnation: 4)

    static func log(holding counters: [UInt32]) -> MessageLog {
        var log = MessageLog()
        for c in counters {
            _ = log.insert(chat(MessageID(origin: nodeB, incarnation: 4, counter: c), ring: ringID(1), seq: UInt64(c)))
        }
        // Same origin, other incarnation: must not count as held.
        for c: UInt32 in 1...20 {
            _ = log.insert(chat(MessageID(origin: nodeB, incarnation: 5, counter: c), ring: ringID(2), seq: UInt64(c)))
        }
        return log
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var held: [UInt32]
        var range: ClosedRange<UInt32>
        var limit: Int
        var expected: [ClosedRange<UInt32>]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "nothing held: the whole range", held: [], range: 1...10, limit: 16, expected: [1...10]),
        Case(name: "everything held: nothing", held: Array(1...10), range: 1...10, limit: 16, expected: []),
        Case(name: "hole at the start", held: [4, 5, 6], range: 1...6, limit: 16, expected: [1...3]),
        Case(name: "hole in the middle", held: [1, 2, 5, 6], range: 1...6, limit: 16, expected: [3...4]),
        Case(name: "hole at the end", held: [1, 2, 3], range: 1...6, limit: 16, expected: [4...6]),
        Case(name: "holes at start, middle and end", held: [3, 4, 7, 8, 10], range: 1...12, limit: 16,
             expected: [1...2, 5...6, 9...9, 11...12]),
        Case(name: "single missing counters", held: [1, 3, 5], range: 1...6, limit: 16, expected: [2...2, 4...4, 6...6]),
        Case(name: "range starting inside a hole", held: [1, 2, 8], range: 5...9, limit: 16, expected: [5...7, 9...9]),
        Case(name: "range starting on a held counter", held: [5, 6], range: 5...9, limit: 16, expected: [7...9]),
        Case(name: "one-counter range, missing", held: [1, 3], range: 2...2, limit: 16, expected: [2...2]),
        Case(name: "one-counter range, held", held: [2], range: 2...2, limit: 16, expected: []),
        Case(name: "limit cuts before the trailing hole", held: [3, 4, 7, 8, 10], range: 1...12, limit: 3,
             expected: [1...2, 5...6, 9...9]),
        Case(name: "limit equal to the number of holes", held: [3, 4, 7, 8, 10], range: 1...12, limit: 4,
             expected: [1...2, 5...6, 9...9, 11...12]),
        Case(name: "limit 1 with a leading hole", held: [3, 4, 7], range: 1...9, limit: 1, expected: [1...2]),
        Case(name: "limit 1 with only a trailing hole", held: [1, 2], range: 1...9, limit: 1, expected: [3...9]),
        Case(name: "limit 2 where the second hole runs to the end", held: [2, 3], range: 1...9, limit: 2,
             expected: [1...1, 4...9]),
        Case(name: "at the top of the counter space, nothing held", held: [], range: (UInt32.max - 2)...UInt32.max,
             limit: 16, expected: [(UInt32.max - 2)...UInt32.max]),
        Case(name: "at the top of the counter space, the top held", held: [UInt32.max], range: (UInt32.max - 2)...UInt32.max,
             limit: 16, expected: [(UInt32.max - 2)...(UInt32.max - 1)]),
    ]

    @Test("missing ranges", arguments: cases)
    func missing(_ c: Case) {
        let log = Self.log(holding: c.held)
        #expect(log.missing(in: Self.stream, c.range, limit: c.limit) == c.expected)
    }

    @Test("the ranges are exactly the counters not held, for random sets and ranges", arguments: 1...20 as ClosedRange<UInt64>)
    func matchesBruteForce(seed: UInt64) {
        var g = SplitMix64(seed: seed)
        let held = (1...60 as ClosedRange<UInt32>).filter { _ in g.below(3) != 0 }
        let log = Self.log(holding: held)
        let lo = UInt32(g.int(1...40)), hi = lo + UInt32(g.int(0...30))
        let limit = g.int(1...WireLimits.maxRanges)
        let got = log.missing(in: Self.stream, lo...hi, limit: limit)
        // Brute force: maximal runs of missing counters, first `limit` of them.
        var runs: [ClosedRange<UInt32>] = []
        var c = lo
        while c <= hi {
            if held.contains(c) { c += 1; continue }
            let start = c
            while c + 1 <= hi, !held.contains(c + 1) { c += 1 }
            runs.append(start...c)
            c += 1
        }
        #expect(got == Array(runs.prefix(limit)), "held \(held) range \(lo)...\(hi) limit \(limit)")
    }

    @Test("a stream never seen: the whole range")
    func unknownStream() {
        let log = Self.log(holding: [1, 2, 3])
        #expect(log.missing(in: StreamID(origin: nodeC, incarnation: 4), 1...5, limit: 16) == [1...5])
    }

    @Test("limit 0 asks for nothing")
    func limitZero() {
        let log = Self.log(holding: [3, 6])
        #expect(log.missing(in: Self.stream, 1...9, limit: 0) == [])
    }
}
