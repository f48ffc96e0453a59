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

@Suite("Periodic checkpoints")
struct PeriodicCheckpointTests {
    func checkpoints(_ e: [Effect]) -> [Checkpoint] {
        e.compactMap { if case .writeCheckpoint(let c) = $0 { c } else { nil } }
    }

    @Test("an idle node does not rewrite an identical checkpoint every period; a change brings them back")
    func idleSkips() {
        var config = NodeConfig()
        config.checkpointEvery = .seconds(1)
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", config: config, seed: 1, now: .zero)
        var written: [Checkpoint] = []
        var t: Int64 = 0
        while t < 5_000 { t += 50; written += checkpoints(a.handle(.tick, now: .milliseconds(t))) }
        // The first periods record the ring forming; then nothing changes.
        let settled = written.count
        #expect(settled >= 1)
        while t < 10_000 { t += 50; written += checkpoints(a.handle(.tick, now: .milliseconds(t))) }
        #expect(written.count == settled, "an idle node kept writing identical checkpoints")
        written += checkpoints(a.handle(.setDraft("half a line"), now: .milliseconds(t)))
        while t < 11_100 { t += 50; written += checkpoints(a.handle(.tick, now: .milliseconds(t))) }
        #expect(written.count == settled + 1)
        #expect(written.last?.draft == "half a line")
        // On demand always writes.
        #expect(checkpoints(a.handle(.checkpoint, now: .milliseconds(t + 1))).count == 1)
    }
}
