import Testing
@testable import RingChatCore

@Suite("Leaving cleanly")
struct LeaveTests {
    @Test("a holder that leaves passes the token at once instead of holding it idle")
    func holderPassesOnLeave() throws {
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        // Alone, A regenerates the token after the loss timeout and keeps it.
        var t: Int64 = 0
        while a.holding == nil && t < 2_000 { t += 50; _ = a.handle(.tick, now: .milliseconds(t)) }
        try #require(a.holding != nil)
        let hb = Heartbeat(nick: "bob", ring: a.ring, queued: 0, highestEpoch: 1, digest: MessageLog().summary, page: [])
        _ = a.handle(.packet(packet(from: nodeB, .heartbeat(hb))), now: .milliseconds(t + 1))
        // Within the idle hold: A would keep the token, but it is leaving.
        let e = a.handle(.leave, now: .milliseconds(t + 2))
        #expect(e.contains { if case .token(.passed(_, _, let to)) = $0 { to == nodeB } else { false } })
        #expect(a.holding == nil)
    }

    @Test("a node that does not hold the token leaves without a word")
    func nonHolderIsSilent() {
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        #expect(a.handle(.leave, now: .milliseconds(1)).allSatisfy { if case .send = $0 { false } else { true } })
    }
}
