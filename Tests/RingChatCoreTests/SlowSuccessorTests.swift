import Testing
@testable import RingChatCore

/// A successor that does not acknowledge a pass is re-sent it, then
/// declared silent (a new ring without it), unless it spoke after the pass:
/// then it is alive and only slow, and is waited for (`Node.slowButAlive`).
/// What it sent before the pass reached it proves nothing: under load its
/// last datagrams before a crash reach the predecessor after the pass.
@Suite("A silent successor: what crossed the pass is not a sign of life")
struct SlowSuccessorTests {
    static let ring = ringID(5)

    /// B holds the token from A and passes it to C; C is heard once,
    /// `heardAfter` the pass, then (`speaksOn`) every 100 ms or never
    /// again; A beats throughout. Returns when B passed and when it
    /// declared C silent.
    func run(heardAfter: Duration, speaksOn: Bool) -> (passed: Instant, silent: Instant?) {
        let h = NodeBench(Node(id: nodeB, incarnation: 1, nick: "b", seed: 3, now: .zero), ring: Self.ring)
        for p in [nodeA, nodeC] { h.beat(p) }
        // A LAN's round trips: passes are re-sent every `tokenRetransmit`.
        for _ in 0..<20 { h.node.passRTT.add(.milliseconds(1)) }
        h.hear(nodeA, .token(Token(ring: Self.ring, hop: 10, to: nodeB, toIncarnation: 1, nextSeq: 5)))
        // Idle: B passes once it has held the token for `idleHold`.
        let a: (NodeID, UInt32) = (nodeA, 1), c: (NodeID, UInt32) = (nodeC, 1)
        func passedAt() -> Instant? { h.story.first { if case .passed(_, _, nodeC) = $0.event { true } else { false } }?.at }
        while passedAt() == nil, h.now < .zero + .seconds(1) { h.advance(to: h.now + .milliseconds(1), peers: [a, c]) }
        let passed = try! #require(passedAt())
        h.advance(to: passed + heardAfter, peers: [a])
        h.beat(nodeC)
        h.advance(to: passed + .seconds(3), peers: speaksOn ? [a, c] : [a])
        return (passed, h.silent(nodeC).first)
    }

    @Test("a datagram that crossed the pass does not hold off the failover until the member timeout")
    func crossedThePass() throws {
        let (passed, silent) = run(heardAfter: .milliseconds(1), speaksOn: false)
        let at = try #require(silent, "C was never declared silent")
        // The pass's re-sends (4 × 40 ms) run out at 200 ms; waiting for the
        // member timeout from C's last datagram was 451 ms.
        #expect(at - passed <= .milliseconds(250), "declared silent \(at - passed) after the pass")
    }

    @Test("a successor heard well after the pass is slow, not dead, and is waited for")
    func heardAfterThePass() {
        let (passed, silent) = run(heardAfter: .milliseconds(60), speaksOn: true)
        // Twice the member timeout from the pass, not the 200 ms of re-sends.
        #expect(silent.map { $0 - passed >= NodeConfig().memberTimeout * 2 } ?? true, "silent at \(String(describing: silent))")
    }
}
