import Testing
@testable import RingChatCore

/// A token with a holder (or a pass target) that the membership has
/// declared dead is lost at once: no loss timeout, no pass re-sends.
@Suite("Dead holder: the token is lost as soon as the membership knows")
struct DeadHolderTests {
    static let ring = ringID(5)

    /// Node A in `ring` with peers B and C (heartbeats every 100 ms until
    /// `silentFrom`, after which C is silent).
    final class Harness {
        let node: Node
        var now = Instant.milliseconds(0)
        var counter: UInt64 = 0
        var events: [(Instant, TokenEvent)] = []

        init(me: NodeID) {
            node = Node(id: me, incarnation: 1, nick: "me", seed: 3, now: now)
        }

        func hear(_ peer: NodeID, _ body: Packet.Body) {
            counter += 1
            record(node.handle(.packet(packet(from: peer, counter: counter, body)), now: now))
        }

        func heartbeat(_ peer: NodeID) {
            hear(peer, .heartbeat(Heartbeat(nick: "p", ring: DeadHolderTests.ring, queued: 0, highestEpoch: 5,
                                            digest: MessageLog().summary, page: [])))
        }

        func record(_ effects: [Effect]) {
            for case .token(let t) in effects { events.append((now, t)) }
        }

        /// Advances to `t`, ticking at every deadline the node asks for.
        func run(until t: Instant, beating peers: [NodeID]) {
            var nextBeat = now + .milliseconds(100)
            while now < t {
                let due = min(node.nextDeadline(now: now), nextBeat, t)
                now = due
                if now >= nextBeat {
                    for p in peers { heartbeat(p) }
                    nextBeat = now + .milliseconds(100)
                }
                record(node.handle(.tick, now: now))
            }
        }

        var regeneratedAt: Instant? {
            events.first { if case .regenerated = $0.1 { true } else { false } }?.0
        }
    }

    @Test("the first survivor in rank regenerates once the holder is declared dead, not after a stretched loss timeout")
    func holderDies() {
        // A < B < C: A is first in rank once C is gone.
        let h = Harness(me: nodeA)
        for p in [nodeB, nodeC] { h.heartbeat(p) }
        // B passes to C, C acks: C holds the token.
        h.hear(nodeB, .token(Token(ring: Self.ring, hop: 10, to: nodeC, toIncarnation: 1, nextSeq: 5)))
        h.hear(nodeC, .tokenAck(TokenAck(ring: Self.ring, hop: 10, nextSeq: 5)))
        // Slow round trips measured earlier (a loaded machine): the loss
        // timeout stretches, but must not decide the failover.
        for _ in 0..<20 { h.node.passRTT.add(.milliseconds(450)) }
        let killedAt = h.now
        h.run(until: killedAt + .seconds(5), beating: [nodeB])
        let at = try! #require(h.regeneratedAt, "A never regenerated")
        // Member timeout (450 ms, stretched by at most the capped RTT) plus
        // a tick; a loss timeout stretched by load would be seconds.
        #expect(at - killedAt <= h.node.memberTimeout + .milliseconds(20))
        #expect(at - killedAt >= NodeConfig().memberTimeout)
    }

    @Test("a pass to a node the membership declared dead is given up at once")
    func passToDeadNode() {
        let h = Harness(me: nodeB)
        for p in [nodeA, nodeC] { h.heartbeat(p) }
        // B receives the token and passes it on to C (C is B's successor).
        h.hear(nodeA, .token(Token(ring: Self.ring, hop: 10, to: nodeB, toIncarnation: 1, nextSeq: 5)))
        for _ in 0..<20 { h.node.passRTT.add(.milliseconds(450)) }
        let start = h.now
        h.run(until: start + .seconds(5), beating: [nodeA])
        let silent = try! #require(h.events.first { if case .successorSilent(nodeC) = $0.1 { true } else { false } }?.0)
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
