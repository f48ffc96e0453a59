import Testing
@testable import RingChatCore

/// A node that moves to a new ring first finishes the ring it leaves, up to
/// the last seq the new ring's lineage names, so that every node shows the
/// old ring complete and in order before the new one.
@Suite("Ring lineage: finishing the old ring before the new one")
struct RingLineageTests {
    let old = ringID(1)
    let new = ringID(2)

    func data(_ ring: RingID, _ seqs: [UInt64], lineage: RingLineage? = nil, retransmission: Bool = false,
              counter: UInt64) -> Node.Input {
        let ms = seqs.map { chat(msgID(nodeB, 1, UInt32(ring.epoch * 100 + $0)), ring: ring, seq: $0) }
        return .packet(packet(from: nodeB, counter: counter,
                              .data(DataBatch(retransmission: retransmission, messages: ms, lineage: lineage))))
    }

    @Test("lineage survives the codec on every packet that announces a ring")
    func codec() throws {
        let l = RingLineage(previous: old, last: 77)
        let bodies: [Packet.Body] = [
            .token(Token(ring: new, hop: 3, to: nodeA, toIncarnation: 1, nextSeq: 5, lineage: l)),
            .tokenAck(TokenAck(ring: new, hop: 3, nextSeq: 5, lineage: l)),
            .heartbeat(Heartbeat(nick: "bob", ring: new, queued: 0, highestEpoch: 2,
                                 digest: MessageLog().summary, page: [], lineage: l)),
            .data(DataBatch(retransmission: false, messages: [chat(msgID(nodeB, 1, 1), ring: new, seq: 1)], lineage: l)),
        ]
        for b in bodies {
            let p = packet(from: nodeB, b)
            #expect(try WireCodec.decode(WireCodec.encode(p)) == p)
        }
    }

    @Test("the new ring waits until the old ring is complete up to the lineage's last seq")
    func newRingWaits() {
        let node = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        var shown: [Slot] = []
        func feed(_ i: Node.Input, _ ms: Int64) {
            shown += node.handle(i, now: .milliseconds(ms)).delivered.map(\.message.slot)
        }
        feed(data(old, [1, 2], counter: 1), 1)
        #expect(shown == [Slot(ring: old, seq: 1), Slot(ring: old, seq: 2)])
        // Ring 2 starts; it came from ring 1, which reached seq 4: ring 1's
        // seqs 3 and 4 (still in flight) must come first.
        feed(data(new, [1], lineage: RingLineage(previous: old, last: 4), counter: 2), 2)
        #expect(shown.count == 2, "ring 2 shown before ring 1 was complete")
        #expect(node.sequencer.finishing?.last == 4)
        feed(data(old, [4], retransmission: true, counter: 3), 3)
        #expect(shown.count == 2)
        feed(data(old, [3], retransmission: true, counter: 4), 4)
        #expect(shown == [1, 2, 3, 4].map { Slot(ring: old, seq: $0) } + [Slot(ring: new, seq: 1)])
    }

    @Test("a gap in the old ring is reported (settle) while the new ring waits, and skipped after the hole timeout when a live peer never answers")
    func oldRingGapIsReportedThenSkipped() {
        let node = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        _ = node.handle(data(old, [1], counter: 1), now: .milliseconds(1))
        let e = node.handle(data(new, [1], lineage: RingLineage(previous: old, last: 3), counter: 2), now: .milliseconds(2))
        #expect(e.delivered.isEmpty)
        // The report goes out at once with the switch (Totem's recovery:
        // what this node holds of the old ring, its holes).
        let reports = e.compactMap { effect -> Settle? in
            if case .send(let p) = effect, case .settle(let s) = p.body { return s }
            return nil
        }
        #expect(reports == [Settle(ring: old, from: 2, through: 3, high: 3, holes: [2...3])])
        var late: [Effect] = []
        var t: Int64 = 100
        while t < 3_500 {
            late += node.handle(.tick, now: .milliseconds(t))
            t += 100
        }
        #expect(late.delivered.map(\.message.slot) == [Slot(ring: new, seq: 1)])
        #expect(node.sequencer.finishing == nil)
    }

    /// The new ring's token overtakes its first data (UDP reorders): its
    /// next seq, 65 after a first visit of 64 lines, must not become where
    /// a member of the ring it replaced starts showing the new ring. A node
    /// that was in another ring meets ring 2 in its middle and starts at 65
    /// (what came before is history), as before.
    @Test("a ring that replaced ours is shown from its first line even when its token comes first",
          arguments: [true, false])
    func tokenFirst(wasInTheReplacedRing: Bool) {
        let node = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        var shown: [(message: ChatMessage, backfill: Bool)] = []
        func feed(_ i: Node.Input, _ ms: Int64) { shown += node.handle(i, now: .milliseconds(ms)).delivered }
        feed(data(wasInTheReplacedRing ? old : ringID(0, creator: nodeC), [1, 2], counter: 1), 1)
        let l = RingLineage(previous: old, last: wasInTheReplacedRing ? 2 : 0)
        feed(.packet(packet(from: nodeB, counter: 2,
                            .token(Token(ring: new, hop: 1, to: nodeC, toIncarnation: 1, nextSeq: 65, lineage: l)))), 2)
        guard wasInTheReplacedRing else {
            #expect(node.sequencer.next == 65)
            return
        }
        #expect(node.sequencer.next == 1)
        // The second half of the visit arrives before the first.
        feed(data(new, Array(33...64), lineage: l, counter: 3), 3)
        #expect(!shown.contains { $0.message.slot.ring == new }, "ring 2 shown before its first line")
        feed(data(new, Array(1...32), lineage: l, counter: 4), 4)
        #expect(shown.filter { $0.message.slot.ring == new }.map(\.message.slot.seq) == Array(1...64))
        #expect(node.stats.backfills == 0)
    }
}
