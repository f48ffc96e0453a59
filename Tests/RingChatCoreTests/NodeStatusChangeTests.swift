import Testing
@testable import RingChatCore

/// Status change detection comes from `NodeStatus` itself: the node
/// compares the status as a value (all but `members`, compared through
/// their inputs), and `NodeStatus.changeDetection` classifies every stored
/// property, so that a new one cannot be forgotten.
@Suite("Node status change detection")
struct NodeStatusChangeTests {
    static let sample = NodeStatus(
        node: nodeA, nick: "alice", ring: ringID(3), holder: nodeB,
        members: [.init(id: nodeA, nick: "alice", lag: 1), .init(id: nodeB, nick: "bob", lag: 2)],
        lag: 1, queued: 2, lastCheckpoint: .init(number: 4, takenAt: 5, replicaCount: 6))

    @Test("every stored property of NodeStatus is classified (add a new one to NodeStatus.changeDetection)")
    func everyPropertyClassified() {
        let labels = Mirror(reflecting: Self.sample).children.compactMap(\.label)
        #expect(labels == NodeStatus.changeDetection.map(\.key))
    }

    @Test("withoutFrequentFields clears exactly the .frequent properties")
    func frequentFields() {
        let before = Mirror(reflecting: Self.sample).children
        let after = Mirror(reflecting: Self.sample.withoutFrequentFields).children
        let changed = zip(before, after).filter { "\($0.value)" != "\($1.value)" }.compactMap(\.0.label)
        let frequent = NodeStatus.changeDetection.filter { $0.value == .frequent }.map(\.key)
        #expect(changed == frequent)
    }

    /// Three nodes chatting, changing nicks, one going silent and coming
    /// back: after every input, the status a node last emitted is the one
    /// it would build now. A property that change detection missed would
    /// leave the emitted status stale.
    @Test("the emitted status is always the current one")
    func emittedStatusIsCurrent() {
        let ids = [nodeA, nodeB, nodeC]
        let nodes = ids.enumerated().map { i, id in
            Node(id: id, incarnation: 1, nick: ["alice", "bob", "carol"][i], seed: UInt64(i + 1), now: .zero)
        }
        var inFlight: [(at: Int64, to: Int, packet: Packet)] = []
        var stale: [String] = []
        var emitted = 0
        func handle(_ i: Int, _ input: Node.Input, at t: Int64) {
            let effects = nodes[i].handle(input, now: .milliseconds(t))
            emitted += effects.filter { if case .status = $0 { true } else { false } }.count
            let silent = i == 2 && (3_000..<5_000).contains(t)
            for p in effects.sentPackets where !silent {
                for j in ids.indices where j != i { inFlight.append((t + 1 + Int64(j), j, p)) }
            }
            if nodes[i].lastStatus != nodes[i].makeStatus(now: .milliseconds(t)), stale.count < 5 {
                stale.append("node \(i) at \(t) ms after \(input)")
            }
        }
        var t: Int64 = 0
        while t < 8_000 {
            t += 1
            let due = inFlight.filter { $0.at <= t }
            inFlight.removeAll { $0.at <= t }
            for d in due { handle(d.to, .packet(d.packet), at: t) }
            // A deadline is never before now + 1 ms: asked a millisecond ago.
            for i in ids.indices where nodes[i].nextDeadline(now: .milliseconds(t - 1)) <= .milliseconds(t) {
                handle(i, .tick, at: t)
            }
            if t % 97 == 0 { handle(Int(t / 97) % 3, .type("line at \(t)", kind: .text), at: t) }
            if t == 2_000 { handle(1, .setNick("bobby"), at: t) }
            if t == 6_000 { handle(0, .checkpoint, at: t) }
        }
        #expect(stale.isEmpty, "\(stale)")
        #expect(emitted > 20, "the scenario barely changed any status")
        #expect(nodes.allSatisfy { $0.status.members.map(\.nick) == ["alice", "bobby", "carol"] })
        #expect(nodes.allSatisfy { $0.lagVersion > 10 }, "no heartbeat ticks")
    }
}
