import Testing
@testable import RingChatCore

/// A node's first visit of a new ring: it has not passed the token in it
/// yet, so "traffic since my last pass" is judged from the first seq it saw
/// of the ring. A sender that filled its visit (`maxBatch`) and waits for
/// the token again announces nothing; before, the next node held the token
/// for `idleHold` (100 ms) on its first visit.
@Suite("The first visit of a new ring")
struct FirstVisitTests {
    static let ring = ringID(3)

    /// Node A hears B and C (in no ring yet), meets ring 3 through B's first
    /// pass (to C, next seq 1), then gets the token from C after C sent
    /// `sentByC` lines. What A did on that last token is in `sent`/`story`.
    func firstVisit(sentByC: UInt64) -> NodeBench {
        let b = NodeBench(Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero), ring: Self.ring)
        for peer in [nodeB, nodeC] {
            b.hear(peer, .heartbeat(Heartbeat(nick: "p", ring: nil, queued: 0, highestEpoch: 0,
                                              digest: MessageLog().summary, page: [])))
        }
        b.hear(nodeB, .token(Token(ring: Self.ring, hop: 1, to: nodeC, toIncarnation: 1, nextSeq: 1)))
        b.sent = []
        b.story = []
        b.hear(nodeC, .token(Token(ring: Self.ring, hop: 2, to: nodeA, toIncarnation: 1, nextSeq: 1 + sentByC)))
        return b
    }

    func passes(_ b: NodeBench) -> [Token] {
        b.sent.compactMap { if case .token(let t) = $0.body { t } else { nil } }
    }

    @Test("lines were sent since the node met the ring: it passes at once")
    func busyRingPassesAtOnce() throws {
        let b = firstVisit(sentByC: 64)
        #expect(b.count { if case .granted = $0 { true } else { false } } == 1)
        let pass = try #require(passes(b).first, "the token was held on an idle first visit")
        #expect(pass.hop == 3)
        #expect(pass.nextSeq == 65)
        #expect(b.node.holding == nil)
    }

    @Test("nothing was sent: an idle ring's token is held for the idle time, as always")
    func idleRingHolds() {
        let b = firstVisit(sentByC: 0)
        #expect(b.count { if case .granted = $0 { true } else { false } } == 1)
        #expect(passes(b).isEmpty)
        #expect(b.node.holding?.hop == 2)
    }
}
