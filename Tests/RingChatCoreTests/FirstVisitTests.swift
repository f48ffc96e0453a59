import Testing
@testable import RingChatCore

/// A node's first visit of a new ring: it has not passed the token in it
/// yet, so "traffic since my last pass" is judged from the first seq it saw
/// of the ring. A sender that filled its visit (`maxBatch`) and waits for
/// the token again announces nothing; before, the next node held the token
/// for `idleHold` (100 ms) on its first visit.
@Suite("The first visit of a new ring")
struct FirstVisitTests {
    let ring = ringID(3)

    /// Node A hears B and C, meets ring 3 through B's first pass (to C, next
    /// seq 1), then gets the token from C after C sent `sentByC` lines.
    func firstVisit(sentByC: UInt64) -> (node: Node, effects: [Effect]) {
        let node = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        var counter: UInt64 = 0
        func feed(_ from: NodeID, _ body: Packet.Body, _ ms: Int64) -> [Effect] {
            counter += 1
            return node.handle(.packet(packet(from: from, counter: counter, body)), now: .milliseconds(ms))
        }
        for peer in [nodeB, nodeC] {
            _ = feed(peer, .heartbeat(Heartbeat(nick: "p\(peer.short)", ring: nil, queued: 0, highestEpoch: 0,
                                                digest: MessageLog().summary, page: [])), 1)
        }
        _ = feed(nodeB, .token(Token(ring: ring, hop: 1, to: nodeC, toIncarnation: 1, nextSeq: 1)), 2)
        let e = feed(nodeC, .token(Token(ring: ring, hop: 2, to: nodeA, toIncarnation: 1, nextSeq: 1 + sentByC)), 3)
        return (node, e)
    }

    @Test("lines were sent since the node met the ring: it passes at once")
    func busyRingPassesAtOnce() throws {
        let (node, e) = firstVisit(sentByC: 64)
        #expect(e.grants.count == 1)
        let passes = e.sentPackets.compactMap { if case .token(let t) = $0.body { t } else { nil } }
        let pass = try #require(passes.first, "the token was held on an idle first visit")
        #expect(pass.hop == 3)
        #expect(pass.nextSeq == 65)
        #expect(node.holding == nil)
    }

    @Test("nothing was sent: an idle ring's token is held for the idle time, as always")
    func idleRingHolds() {
        let (node, e) = firstVisit(sentByC: 0)
        #expect(e.grants.count == 1)
        #expect(!e.sentPackets.contains { if case .token = $0.body { true } else { false } })
        #expect(node.holding?.hop == 2)
    }
}
