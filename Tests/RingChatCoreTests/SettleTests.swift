import Testing
@testable import RingChatCore

/// Settling a replaced ring at once (Totem's recovery): survivors report
/// what they hold of the old ring; what one holds is re-sent to the others;
/// what no live member holds is skipped without waiting for the hole
/// timeout.
@Suite("Settle: the old ring's end is agreed by the survivors")
struct SettleTests {
    let old = ringID(1, creator: nodeC)
    let new = ringID(2, creator: nodeA)

    /// Node `me` saw old-ring seqs `held` (sent by C, now gone), then moves
    /// to the new ring created by A with lineage last = `last`.
    func survivor(_ me: NodeID, held: [UInt64], last: UInt64, peer: NodeID) -> (Node, [Effect]) {
        let node = Node(id: me, incarnation: 1, nick: "n", seed: 1, now: .zero)
        var t: Int64 = 1
        func feed(_ p: Packet) -> [Effect] {
            t += 1
            return node.handle(.packet(p), now: .milliseconds(t))
        }
        // The peer is alive (heartbeats); C has spoken once and then gone silent.
        _ = feed(packet(from: peer, counter: 1, .heartbeat(Heartbeat(nick: "p", ring: old, queued: 0, highestEpoch: 1,
                                                                   digest: MessageLog().summary, page: []))))
        let ms = held.map { chat(msgID(nodeC, 1, UInt32($0)), ring: old, seq: $0) }
        _ = feed(packet(from: nodeC, counter: 1, .data(DataBatch(retransmission: false, messages: ms))))
        let creator = me == nodeA ? peer : nodeA
        let effects = feed(packet(from: creator, counter: 2, .data(DataBatch(
            retransmission: false, messages: [chat(msgID(creator, 1, 1), ring: new, seq: 1)],
            lineage: RingLineage(previous: old, last: last)))))
        return (node, effects)
    }

    /// Time passes for `node` as it does for a running node, which hears
    /// its live `peer` every 200 ms (a longer gap in its input would be a
    /// pause, whose silence counts against nobody: Node+Install, rule 4),
    /// up to `until`; C, silent, is past the member timeout by then.
    func hearPeer(_ node: Node, _ peer: NodeID, until: Int64) {
        var counter: UInt64 = 3
        for ms in stride(from: Int64(200), to: until, by: 200) {
            counter += 1
            _ = node.handle(.packet(packet(from: peer, counter: counter, .heartbeat(Heartbeat(
                nick: "p", ring: new, queued: 0, highestEpoch: 2, digest: MessageLog().summary, page: [])))),
                now: .milliseconds(ms))
        }
    }

    func reports(_ effects: [Effect]) -> [Settle] {
        effects.compactMap { if case .send(let p) = $0, case .settle(let s) = p.body { s } else { nil } }
    }

    @Test("a seq no survivor holds is skipped as soon as every live member has reported, long before the hole timeout")
    func missingEverywhereIsSkippedAtOnce() throws {
        // B holds 1, 2, 4 of the old ring; A (the peer) holds the same: 3 is
        // nowhere. C (the origin) is silent: not a live member at 1 s.
        let (b, e) = survivor(nodeB, held: [1, 2, 4], last: 4, peer: nodeA)
        let mine = try #require(reports(e).first)
        #expect(mine.holes == [3...3])
        hearPeer(b, nodeA, until: 1_000)
        let now = Instant.milliseconds(1_000)
        let peerReport = Settle(ring: old, from: 1, through: 4, high: 4, holes: [3...3])
        let out = b.handle(.packet(packet(from: nodeA, counter: 9, .settle(peerReport))), now: now)
        let slots = out.delivered.map(\.message.slot)
        #expect(slots == [Slot(ring: old, seq: 4), Slot(ring: new, seq: 1)])
        #expect(b.stats.settledMissing == 1)
        #expect(b.sequencer.finishing == nil)
    }

    @Test("a seq one survivor holds is re-sent by it, not skipped")
    func heldSomewhereIsResent() throws {
        // A holds 1...4; B lacks 3. A answers B's report with seq 3 (its
        // origin C is not live and A is the lowest live holder).
        let (a, _) = survivor(nodeA, held: [1, 2, 3, 4], last: 4, peer: nodeB)
        hearPeer(a, nodeB, until: 1_000)
        let bReport = Settle(ring: old, from: 3, through: 4, high: 4, holes: [3...3])
        let out = a.handle(.packet(packet(from: nodeB, counter: 9, .settle(bReport))), now: .milliseconds(1_000))
        let resent = out.compactMap { e -> [UInt64]? in
            if case .send(let p) = e, case .data(let d) = p.body, d.retransmission { return d.messages.map(\.slot.seq) }
            return nil
        }.flatMap { $0 }
        #expect(resent == [3])
        // And B, told by A's report that A holds 3, does not skip it.
        let (b, _) = survivor(nodeB, held: [1, 2, 4], last: 4, peer: nodeA)
        hearPeer(b, nodeA, until: 1_000)
        let aReport = Settle(ring: old, from: 1, through: 4, high: 4, holes: [])
        let shown = b.handle(.packet(packet(from: nodeA, counter: 9, .settle(aReport))), now: .milliseconds(1_000))
        #expect(shown.delivered.isEmpty)
        #expect(b.stats.settledMissing == 0)
    }

    @Test("reports round-trip through the codec; malformed ones are rejected")
    func codec() throws {
        let s = Settle(ring: old, from: 5, through: 40, high: 50, holes: [6...7, 20...40])
        let p = packet(from: nodeB, .settle(s))
        #expect(try WireCodec.decode(WireCodec.encode(p)) == p)
        #expect(s.lacks(6) == true)
        #expect(s.lacks(8) == false)
        #expect(s.lacks(45) == nil, "above `through` but not above `high`: unknown")
        #expect(s.lacks(51) == nil, "the report is not complete up to high")
        let bad = packet(from: nodeB, .settle(Settle(ring: old, from: 5, through: 40, high: 50, holes: [20...30, 6...7])))
        #expect(throws: WireError.self) { try WireCodec.decode(WireCodec.encode(bad)) }
    }
}
