import Testing
@testable import RingChatCore

/// Each member's delay in taking the token (MemberDelays): every node times
/// "pass to X → X acts" for every X, passes being multicast, and waits that
/// long before calling the token lost while X has it.
@Suite("Each member's delay stretches the token-loss timeout")
struct MemberDelayTests {
    static let ring = ringID(1)

    /// Node A watches B, C and D pass the token around (B → D → C → B),
    /// D taking `dDelay` to act on each pass (`first` on the first one), C
    /// and B 1 ms.
    func watcher(dDelay: Duration, first: Duration? = nil, rotations: Int) -> NodeBench {
        let b = NodeBench(Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero), ring: Self.ring)
        for p in [nodeB, nodeC, nodeD] { b.beat(p) }
        var hop: UInt64 = 1
        func pass(_ from: NodeID, to: NodeID) {
            b.hear(from, .token(Token(ring: Self.ring, hop: hop, to: to, toIncarnation: 1, nextSeq: 1)))
            hop += 1
        }
        let peers: [(NodeID, UInt32)] = [(nodeB, 1), (nodeC, 1), (nodeD, 1)]
        for i in 0..<rotations {
            pass(nodeB, to: nodeD)
            b.advance(to: b.now + (i == 0 ? first ?? dDelay : dDelay), peers: peers)
            pass(nodeD, to: nodeC)
            b.advance(to: b.now + .milliseconds(1), peers: peers)
            pass(nodeC, to: nodeB)
            b.advance(to: b.now + .milliseconds(1), peers: peers)
        }
        return b
    }

    func losses(_ b: NodeBench) -> Int {
        b.story.filter { if case .lost = $0.event { true } else { false } }.count
    }

    @Test("a member that takes a second to act is timed, and waited for while it has the token")
    func slowMemberIsWaitedFor() {
        // Its first act comes before the configured loss timeout (800 ms
        // at most): timed, it stretches the timeout for the next ones.
        let b = watcher(dDelay: .milliseconds(1_000), first: .milliseconds(600), rotations: 6)
        #expect(losses(b) == 0, "\(b.story)")
        #expect(b.node.delays.timeout(for: nodeD) >= .milliseconds(1_000))
        #expect(b.node.delays.timeout(for: nodeC) < .milliseconds(50))
        #expect(b.node.delays.timeout(for: nodeD) <= MemberDelays.cap)
    }

    @Test("without a measured delay the same silence is a lost token; the late act is still timed")
    func unmeasuredSilenceIsLoss() {
        let b = watcher(dDelay: .milliseconds(1_000), rotations: 1)
        #expect(losses(b) == 1)
        // D's act in the ring A gave up on, after A's new ring passed to
        // D, is the sample: next time D is waited for.
        #expect(b.node.delays.timeout(for: nodeD) >= .milliseconds(1_000))
    }

    @Test("a fast member's silence is still a loss at the configured timeout")
    func fastMemberIsNotWaitedFor() {
        let b = watcher(dDelay: .milliseconds(1), rotations: 20)
        let start = b.now
        b.hear(nodeB, .token(Token(ring: Self.ring, hop: 1_000, to: nodeD, toIncarnation: 1, nextSeq: 1)))
        b.advance(to: start + .seconds(2), peers: [(nodeB, 1), (nodeC, 1), (nodeD, 1)])
        let lost = b.story.first { if case .lost = $0.event { true } else { false } }
        #expect(lost != nil)
        #expect(lost.map { $0.at - start <= .milliseconds(900) } ?? false, "\(String(describing: lost))")
    }
}
