import Testing
@testable import RingChatCore

/// A token with a holder (or a pass target) that the membership has
/// declared dead is lost at once: no loss timeout, no pass re-sends.
@Suite("Dead holder: the token is lost as soon as the membership knows")
struct DeadHolderTests {
    static let ring = ringID(5)

    /// `me` (incarnation 1) among peers that announce `ring`.
    static func bench(me: NodeID) -> NodeBench {
        NodeBench(Node(id: me, incarnation: 1, nick: "me", seed: 3, now: .zero), ring: ring)
    }

    @Test("the first survivor in rank regenerates once the holder is declared dead, not after a stretched loss timeout")
    func holderDies() {
        // A < B < C: A is first in rank once C is gone.
        let h = Self.bench(me: nodeA)
        for p in [nodeB, nodeC] { h.beat(p) }
        // B passes to C, C acks: C holds the token.
        h.hear(nodeB, .token(Token(ring: Self.ring, hop: 10, to: nodeC, toIncarnation: 1, nextSeq: 5)))
        h.hear(nodeC, .tokenAck(TokenAck(ring: Self.ring, hop: 10, nextSeq: 5)))
        // Slow round trips measured earlier (a loaded machine): the loss
        // timeout stretches, but must not decide the failover.
        for _ in 0..<20 { h.node.passRTT.add(.milliseconds(450)) }
        let killedAt = h.now
        h.advance(to: killedAt + .seconds(5), peers: [(nodeB, 1)])
        let at = try! #require(h.regeneratedAt, "A never regenerated")
        // Member timeout (450 ms, stretched by at most the capped RTT) plus
        // a tick; a loss timeout stretched by load would be seconds.
        #expect(at - killedAt <= h.node.memberTimeout + .milliseconds(20))
        #expect(at - killedAt >= NodeConfig().memberTimeout)
    }

    @Test("a pass to a node the membership declared dead is given up at once")
    func passToDeadNode() {
        let h = Self.bench(me: nodeB)
        for p in [nodeA, nodeC] { h.beat(p) }
        // B receives the token and passes it on to C (C is B's successor).
        h.hear(nodeA, .token(Token(ring: Self.ring, hop: 10, to: nodeB, toIncarnation: 1, nextSeq: 5)))
        for _ in 0..<20 { h.node.passRTT.add(.milliseconds(450)) }
        let start = h.now
        h.advance(to: start + .seconds(5), peers: [(nodeA, 1)])
        let silent = try! #require(h.silent(nodeC).first)
        // Before the re-sends run out (5 × 500 ms), as soon as C is dead.
        #expect(silent - start <= h.node.memberTimeout + .milliseconds(20))
    }

    @Test("loss timers stay rank-ordered whatever each node measured")
    func rankOrder() {
        let fast = Node(id: nodeA, incarnation: 1, nick: "a", seed: 1, now: .zero)
        let slow = Node(id: nodeB, incarnation: 1, nick: "b", seed: 1, now: .zero)
        for _ in 0..<20 { fast.passRTT.add(.milliseconds(500)) }
        // Rank 0 with the largest stretch still fires no later than rank 1
        // with none.
        #expect(fast.lossTimeout * 1 <= slow.lossTimeout * 2)
        #expect(fast.lossTimeout <= NodeConfig().tokenLossTimeout * 2)
    }
}
