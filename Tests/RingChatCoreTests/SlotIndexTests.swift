import Testing
@testable import RingChatCore

/// The slot index (dense window for the current ring, dictionary for the
/// rest) answers exactly as a plain dictionary would, whatever the order of
/// inserts and removals: in-order seqs, holes filled late, older rings,
/// seqs far ahead, rings replaced.
@Suite("SlotIndex against a dictionary")
struct SlotIndexTests {
    @Test("random inserts, removals, lookups and range queries", arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func matchesDictionary(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var index = SlotIndex<MessageID>()
        var truth: [Slot: MessageID] = [:]
        var epoch: UInt64 = 1
        var next: UInt64 = 1
        func ring(_ e: UInt64) -> RingID { RingID(epoch: e, creator: NodeID(7), incarnation: 1) }
        func randomSlot() -> Slot {
            switch rng.next() % 10 {
            case 0: return Slot(ring: ring(max(1, epoch - rng.next() % 2)), seq: 1 + rng.next() % (next + 10))
            case 1: return Slot(ring: ring(epoch), seq: next + rng.next() % (2 * SlotIndex<MessageID>.maxAhead))
            default:
                defer { next += 1 }
                return Slot(ring: ring(epoch), seq: next)
            }
        }
        for step in 0..<20_000 {
            let op = rng.next() % 100
            if op < 55 {
                let s = randomSlot()
                let id = MessageID(origin: NodeID(rng.next() % 5), incarnation: 1, counter: UInt32(step))
                index.set(s, id)
                truth[s] = id
            } else if op < 85, let victim = truth.keys.randomElement(using: &rng) {
                index.remove(victim)
                truth[victim] = nil
            } else if op < 86 {
                epoch += 1
                next = 1 + rng.next() % 3
            } else {
                let s = randomSlot()
                #expect(index[s] == truth[s], "seed \(seed) step \(step) \(s)")
            }
            #expect(index.count == truth.count, "seed \(seed) step \(step)")
            if step % 1_000 == 0 {
                for (s, id) in truth { #expect(index[s] == id) }
                let r = ring(epoch), lo = rng.next() % (next + 1), hi = lo + rng.next() % 500
                let expected = truth.filter { $0.key.ring == r && (lo...hi).contains($0.key.seq) }
                    .sorted { $0.key.seq < $1.key.seq }.map(\.value)
                #expect(index.held(in: r, lo...hi).map(\.value) == expected)
            }
        }
    }
}

extension SplitMix64: RandomNumberGenerator {}
