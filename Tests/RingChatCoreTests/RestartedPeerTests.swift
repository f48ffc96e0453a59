import Testing
@testable import RingChatCore

/// A simulated crash (F9, `/crash`) restarts a node at once with a new
/// incarnation. The ring must survive it when the token was not with the
/// crashed node: no ring change that nothing required (issue 10).
@Suite("A peer that restarts while the ring is healthy")
struct RestartedPeerTests {
    static let ring = ringID(5)

    /// B (between A and C in rank) takes hop 10 from A and, after its idle
    /// hold, passes hop 11 to C in C's incarnation 1.
    static func passerB() -> NodeBench {
        let b = NodeBench(Node(id: nodeB, incarnation: 1, nick: "b", seed: 7, now: .zero), ring: ring)
        b.beat(nodeA)
        b.beat(nodeC)
        b.hear(nodeA, .token(Token(ring: ring, hop: 10, to: nodeB, toIncarnation: 1, nextSeq: 4)))
        b.advance(to: .zero + b.node.config.idleHold + .milliseconds(1), peers: [(nodeA, 1), (nodeC, 1)])
        #expect(b.node.passing?.token.to == nodeC)
        #expect(b.node.passing?.token.toIncarnation == 1)
        return b
    }

    @Test("a pass its crashed successor made on just before the crash counts, though the new incarnation's heartbeat overtook it")
    func passOvertakenByRestart() throws {
        let b = Self.passerB()
        let passedAt = try #require(b.node.passing?.sentAt)
        // C crashed after taking hop 11 and passing hop 12 to A; its restart
        // is heard first, and the node ticks before the pass arrives.
        b.now = passedAt + .milliseconds(20)
        b.beat(nodeC, incarnation: 2)
        b.advance(to: passedAt + .milliseconds(30), peers: [(nodeA, 1), (nodeC, 2)])
        b.now = passedAt + .milliseconds(60)
        b.hear(nodeC, incarnation: 1, .token(Token(ring: Self.ring, hop: 12, to: nodeA, toIncarnation: 1, nextSeq: 4)))
        // (Short of B's own loss timeout: A never acts in this test.)
        b.advance(to: passedAt + .milliseconds(300), peers: [(nodeA, 1), (nodeC, 2)])
        #expect(b.silent(nodeC).isEmpty)
        #expect(b.ringsFormed == 0)
        #expect(b.node.ring == Self.ring)
        #expect(b.node.passing == nil)
        #expect(b.node.status.holder == nodeA)
    }

    @Test("a pass to a restarted successor that nobody answers is given up once, a re-send interval after it was sent, and not re-sent")
    func passToRestartedSuccessorGivenUp() throws {
        let b = Self.passerB()
        let pass = try #require(b.node.passing)
        b.now = pass.sentAt + .milliseconds(20)
        b.beat(nodeC, incarnation: 2)
        let sentBefore = b.sent.count
        b.advance(to: pass.sentAt + .seconds(1), peers: [(nodeA, 1), (nodeC, 2)])
        let silent = b.silent(nodeC)
        #expect(silent.count == 1)
        let at = try #require(silent.first)
        // The old incarnation would have answered within a round trip; a
        // dead or silent successor is not waited for any longer than that.
        #expect(at >= pass.resendAt)
        #expect(at <= pass.resendAt + .milliseconds(20))
        #expect(b.ringsFormed == 1)
        let resent = b.sent.dropFirst(sentBefore).filter {
            if case .token(let t) = $0.body { t.to == nodeC && t.toIncarnation == 1 } else { false }
        }
        #expect(resent.isEmpty, "a pass addressed to the old incarnation was re-sent")
    }

    /// A restored from disk (it has timed no pass since), lowest in rank,
    /// joins B's and C's ring, which idles with a 400 ms hold on a network
    /// that delays a datagram by up to 300 ms (the demo's settings).
    static func restoredA() -> NodeBench {
        var config = NodeConfig()
        config.idleHold = .milliseconds(400)
        let start = Instant.milliseconds(1_000)
        let (node, _) = Node.restore(from: DurableState(node: nodeA, incarnation: 2), config: config, seed: 5, now: start)
        let a = NodeBench(node, ring: ring, at: start)
        a.beat(nodeB)
        a.beat(nodeC)
        #expect(a.node.ring == ring)
        #expect(a.node.passRTT.smoothed == nil)
        return a
    }

    @Test("a restored node that has timed no pass does not call a slow idle ring's token lost")
    func restoredNodeWaitsForSlowIdleRing() {
        let a = Self.restoredA()
        let peers = [(nodeB, UInt32(1)), (nodeC, UInt32(1))]
        a.advance(to: a.now + .milliseconds(50), peers: peers)
        // B acks hop 20 at once and holds it for 400 ms; its pass to C
        // reaches A 300 ms after it was sent.
        a.hear(nodeB, .tokenAck(TokenAck(ring: Self.ring, hop: 20, nextSeq: 9)))
        let ack = a.now
        a.advance(to: ack + .milliseconds(700), peers: peers)
        a.hear(nodeB, .token(Token(ring: Self.ring, hop: 21, to: nodeC, toIncarnation: 1, nextSeq: 9)))
        a.advance(to: a.now + .milliseconds(100), peers: peers)
        #expect(a.lossesDeclared == 0)
        #expect(a.ringsFormed == 0)
        #expect(a.node.ring == Self.ring)
    }

    @Test("a restored node first in rank still regenerates a token that is really lost, within the capped loss timeout")
    func restoredNodeRegeneratesLostToken() throws {
        let a = Self.restoredA()
        let peers = [(nodeB, UInt32(1)), (nodeC, UInt32(1))]
        a.hear(nodeB, .tokenAck(TokenAck(ring: Self.ring, hop: 20, nextSeq: 9)))
        let ack = a.now
        a.advance(to: ack + NodeConfig().tokenLossTimeout * 2 + .milliseconds(50), peers: peers)
        let lost = try #require(a.story.first { if case .lost = $0.event { true } else { false } }?.at)
        #expect(lost - ack <= NodeConfig().tokenLossTimeout * 2 + .milliseconds(5))
        #expect(a.ringsFormed == 1)
    }
}
