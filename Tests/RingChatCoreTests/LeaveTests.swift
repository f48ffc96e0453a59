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

    @Test("a node that does not hold the token sends only its leave, and takes no token afterwards")
    func nonHolderSendsOnlyItsLeave() {
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        let sent = a.handle(.leave, now: .milliseconds(1)).sentPackets
        #expect(sent.map(\.body) == [.leave(Leave(ring: nil, took: 0))])
        // Alone: nothing to wait for.
        #expect(a.leaveSettled)
        // A pass addressed to it is answered with the leave, not taken.
        let r = ringID(3)
        let e = a.handle(.packet(packet(from: nodeB, .token(Token(ring: r, hop: 4, to: nodeA, toIncarnation: 1, nextSeq: 1)))),
                         now: .milliseconds(2))
        #expect(a.holding == nil)
        #expect(e.sentPackets.map(\.body) == [.leave(Leave(ring: r, took: 0))])
    }
}

/// Three real nodes on a lossless in-memory network (1 ms per datagram),
/// each typing a line every 5 ms: a leave under load.
final class LeaveNet {
    var nodes: [Node]
    var now = Instant.zero
    /// Datagrams in flight: due time, receiver, packet.
    var inFlight: [(at: Instant, to: NodeID, packet: Packet)] = []
    /// Every effect each node produced, with its time.
    var log: [NodeID: [(at: Instant, effect: Effect)]] = [:]
    /// Nodes stopped (they neither hear nor tick).
    var stopped: Set<NodeID> = []
    var typed = 0
    var typing = true
    /// Checked after every input, before the turn ends: when it holds, the
    /// leaver is told to leave right there (once).
    var trigger: (leaver: NodeID, when: (LeaveNet) -> Bool)?
    var leftAt: Instant?

    init(_ ids: [NodeID]) {
        nodes = ids.map { Node(id: $0, incarnation: 1, nick: "n\($0.short)", seed: 7, now: .zero) }
    }

    func node(_ id: NodeID) -> Node { nodes.first { $0.id == id }! }

    func feed(_ n: Node, _ input: Node.Input) {
        var effects = n.handle(input, now: now)
        record(n, effects)
        if let t = trigger, t.when(self) {
            trigger = nil
            leftAt = now
            typing = true
            record(node(t.leaver), node(t.leaver).handle(.leave, now: now))
        }
        effects = n.wantsTurnEnd ? n.handle(.turnEnd, now: now) : []
        record(n, effects)
    }

    func record(_ n: Node, _ effects: [Effect]) {
        for e in effects {
            log[n.id, default: []].append((now, e))
            if case .send(let p) = e {
                for m in nodes where m.id != n.id { inFlight.append((now + .milliseconds(1), m.id, p)) }
            }
        }
    }

    /// One millisecond: due datagrams, lines typed every 5 ms, due ticks.
    func step(typing: Bool = true) {
        now = now + .milliseconds(1)
        let due = inFlight.filter { $0.at <= now }
        inFlight.removeAll { $0.at <= now }
        for d in due where !stopped.contains(d.to) { feed(node(d.to), .packet(d.packet)) }
        if typing, self.typing, now.milliseconds % 5 == 0 {
            for n in nodes where !stopped.contains(n.id) && !n.isLeaving {
                typed += 1
                feed(n, .type("line \(typed)", kind: .text))
            }
        }
        for n in nodes where !stopped.contains(n.id) && n.nextDeadline(now: now) <= now + .milliseconds(1) {
            feed(n, .tick)
        }
    }

    func run(_ ms: Int, typing: Bool = true, until done: () -> Bool = { false }) {
        for _ in 0..<ms {
            step(typing: typing)
            if done() { return }
        }
    }

    /// A formed ring that all three share, with the token moving.
    func settle() {
        run(3_000)
        let rings = Set(nodes.map(\.ring))
        precondition(rings.count == 1 && rings.first! != nil, "no common ring")
    }

    func tokenEvents(_ id: NodeID, after t: Instant) -> [TokenEvent] {
        log[id, default: []].filter { $0.at > t }.compactMap { if case .token(let e) = $0.effect { e } else { nil } }
    }

    /// The longest time without a delivery at `id` in `range`.
    func longestGap(_ id: NodeID, in range: ClosedRange<Instant>) -> Duration {
        let times = [range.lowerBound] + log[id, default: []].filter { range.contains($0.at) }
            .compactMap { if case .deliver = $0.effect { $0.at } else { nil } } + [range.upperBound]
        return zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? .zero
    }
}

@Suite("Leaving a ring of three under load")
struct LeaveRingTests {
    static func isBad(_ e: TokenEvent) -> Bool {
        switch e {
        case .lost, .regenerated, .successorSilent, .ringChanged: true
        default: false
        }
    }

    /// Runs the leave of `leaver` (once `when` holds) and checks the others:
    /// no loss, regeneration, silent successor or ring change; the leaver
    /// out of their ring order at once; deliveries going on without a gap.
    /// - Parameter quiet: nobody types until the leave (under load a holder
    /// passes within the input that brought it the token).
    func check(leaver: NodeID, quiet: Bool = false, when: @escaping (LeaveNet) -> Bool) throws {
        let net = LeaveNet([nodeA, nodeB, nodeC])
        net.settle()
        if quiet { net.typing = false }
        let ring = net.node(nodeA).ring
        net.trigger = (leaver, when)
        net.run(2_000, until: { net.leftAt != nil })
        let leftAt = try #require(net.leftAt, "the situation to leave in never arose")
        net.run(400, until: { net.node(leaver).leaveSettled })
        #expect(net.node(leaver).leaveSettled, "the leaver still has something to say after 400 ms")
        net.stopped.insert(leaver)
        let others = [nodeA, nodeB, nodeC].filter { $0 != leaver }
        // Gone from the others' ring order within two datagram hops.
        for o in others {
            #expect(!net.node(o).ringOrder(now: leftAt + .milliseconds(3)).contains(leaver))
        }
        net.run(1_800)
        let typingEnded = net.now
        net.run(200, typing: false)
        for o in others {
            let bad = net.tokenEvents(o, after: leftAt).filter(Self.isBad)
            #expect(bad.isEmpty, "\(o.short) after the leave: \(bad)")
            #expect(net.node(o).ring == ring)
            let gap = net.longestGap(o, in: leftAt...typingEnded)
            #expect(gap < .milliseconds(50), "\(o.short): no delivery for \(gap)")
            #expect(!net.node(o).status.members.map(\.id).contains(leaver))
        }
        // Everything the survivors typed was delivered at both.
        let delivered = others.map { o in
            Set(net.log[o, default: []].compactMap { if case .deliver(let m, _) = $0.effect { m.id } else { nil } })
        }
        #expect(delivered[0] == delivered[1], "delivered at one survivor only: \(delivered[0].symmetricDifference(delivered[1]).count)")
        #expect(delivered[0].count > 500)
    }

    @Test("the holder leaves (idle, then everybody types): it passes the token on, the others carry on in the same ring")
    func holderLeaves() throws {
        try check(leaver: nodeC, quiet: true) { $0.node(nodeC).holding != nil }
    }

    @Test("a node that does not hold the token leaves: the others skip it at once")
    func nonHolderLeaves() throws {
        try check(leaver: nodeC) { $0.node(nodeC).holding == nil && $0.node(nodeC).passing == nil && $0.node(nodeA).passing?.token.to == nodeB }
    }

    @Test("a pass to the leaver crosses its leave: the predecessor passes on at once, with no re-send timeout")
    func passCrossesLeave() throws {
        // B's successor is C: leave as soon as B's pass to C is in flight.
        let crossing: (LeaveNet) -> Bool = { net in
            net.inFlight.contains { if case .token(let t) = $0.packet.body { t.to == nodeC && $0.to == nodeC } else { false } }
        }
        try check(leaver: nodeC, when: crossing)
        // And B passed the token on to A within a few milliseconds, in the
        // same ring: the hop C never took is not re-sent.
        let net = LeaveNet([nodeA, nodeB, nodeC])
        net.settle()
        var hop: UInt64?
        net.trigger = (nodeC, { n in
            guard crossing(n) else { return false }
            hop = n.node(nodeB).passing?.token.hop
            return true
        })
        net.run(2_000, until: { net.leftAt != nil })
        let at = try #require(net.leftAt)
        let passedHop = try #require(hop)
        net.run(10)
        let passes = net.tokenEvents(nodeB, after: at).compactMap { if case .passed(_, let h, let to) = $0 { (h, to) } else { nil } }
        #expect(passes.first.map { $0.0 == passedHop + 1 && $0.1 == nodeA } == true, "B's passes after the leave: \(passes)")
        #expect(!net.log[nodeB, default: []].contains { $0.at > at && { if case .send(let p) = $0, case .token(let t) = p.body { t.to == nodeC } else { false } }($0.effect) },
                "B re-sent its pass to the leaver")
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
