import Testing
@testable import RingChatCore

/// `Node.restore` from a checkpoint plus the replica lines after it.
@Suite("Restore from checkpoint + replica")
struct RestoreTests {
    static let r1 = ringID(1)
    static let r2 = ringID(3, creator: nodeC)

    /// Seven replica lines: A's own lines and B's, over two rings.
    static let replica: [ChatMessage] = [
        chat(msgID(nodeA, 1, 1), ring: r1, seq: 1, nick: "alice"),
        chat(msgID(nodeB, 1, 1), ring: r1, seq: 2),
        chat(msgID(nodeA, 1, 2), ring: r1, seq: 3, nick: "alice"),
        chat(msgID(nodeB, 1, 2), ring: r1, seq: 4),
        chat(msgID(nodeA, 1, 3), ring: r2, seq: 1, nick: "alice"),
        chat(msgID(nodeB, 1, 3), ring: r2, seq: 2),
        chat(msgID(nodeA, 1, 4), ring: r2, seq: 3, nick: "alice"),
    ]

    static func outboxEntry(_ counter: UInt32, _ text: String) -> OutboxEntry {
        OutboxEntry(id: msgID(nodeA, 1, counter), nick: "alice", text: text, kind: .text, timestamp: 1_700_000_000_000)
    }

    static func checkpoint(_ number: UInt64, covering lines: Int, outbox: [OutboxEntry], highestEpoch: UInt64 = 3,
                           draft: String = "") -> Checkpoint {
        Checkpoint(number: number, node: nodeA, incarnation: 1, takenAt: 1_700_000_000_000, nick: "alice",
                   replicaCount: lines, lastDelivered: replica.prefix(lines).last?.slot, outbox: outbox,
                   ring: r2, members: [nodeA, nodeB], highestEpoch: highestEpoch, draft: draft)
    }

    /// Newest checkpoint #4 covers 5 lines; its outbox has counter 4 (sent
    /// and in the replica since) and counters 5 and 6 (not sent). #3 is older.
    static var durable: DurableState {
        DurableState(node: nodeA, incarnation: 2,
                     checkpoints: [checkpoint(4, covering: 5, outbox: [outboxEntry(4, "sent"), outboxEntry(5, "five"), outboxEntry(6, "six")],
                                              draft: "half a li"),
                                   checkpoint(3, covering: 2, outbox: [outboxEntry(9, "older")])],
                     replica: replica)
    }

    @Test("the log holds every replica line; the outbox is the checkpoint's minus ids already held")
    func restoresLogAndOutbox() throws {
        let (node, effects) = Node.restore(from: Self.durable, seed: 1, now: .milliseconds(0))
        #expect(node.log.count == Self.replica.count)
        #expect(node.history() == Self.replica)
        #expect(node.outbox.map(\.id) == [msgID(nodeA, 1, 5), msgID(nodeA, 1, 6)])
        #expect(node.outbox.map(\.text) == ["five", "six"])
        #expect(node.incarnation == 2)
        #expect(node.nick == "alice")
        #expect(node.draft == "half a li")
        #expect(node.highestEpoch >= 3)

        let report = try #require(effects.restoreReports.first)
        #expect(effects.restoreReports.count == 1)
        #expect(report.checkpoint == 4)
        #expect(report.checkpointMessages == 5)
        #expect(report.replayed == 2)
        #expect(report.outbox == 2)
        #expect(report.incarnation == 2)
        #expect(report.draft == "half a li")
        #expect(report.warnings.isEmpty)
    }

    @Test("restored messages count as shown; nothing is delivered again and nothing is re-persisted")
    func noRedelivery() {
        let (node, effects) = Node.restore(from: Self.durable, seed: 1, now: .milliseconds(0))
        #expect(effects.delivered.isEmpty)
        #expect(!effects.contains { if case .persist = $0 { true } else { false } })
        #expect(Self.replica.allSatisfy { node.log.isDelivered($0.id) })
        // A copy of a restored message arriving later is a duplicate.
        let late = node.handle(.packet(packet(from: nodeB, .data(DataBatch(retransmission: true, messages: [Self.replica[1]])))),
                               now: .milliseconds(1))
        #expect(late.delivered.isEmpty)
        #expect(node.stats.duplicates == 1)
    }

    @Test("new lines typed after the restore use the new incarnation (ids never reused)")
    func newIDsUseNewIncarnation() {
        let (node, _) = Node.restore(from: Self.durable, seed: 1, now: .milliseconds(0))
        _ = node.handle(.type("after", kind: .text), now: .milliseconds(1))
        let typed = node.outbox.last
        #expect(typed?.text == "after")
        #expect(typed?.id.incarnation == 2)
        #expect(typed.map { !node.log.contains($0.id) } ?? false)
        #expect(Set(node.outbox.map(\.id)).count == node.outbox.count)
    }

    @Test("a checkpoint covering more lines than survive gives a warning; everything surviving is kept")
    func checkpointBeyondReplica() throws {
        var d = Self.durable
        d.checkpoints[0] = Self.checkpoint(4, covering: 10, outbox: [Self.outboxEntry(5, "five")])
        let (node, effects) = Node.restore(from: d, seed: 1, now: .milliseconds(0))
        let report = try #require(effects.restoreReports.first)
        #expect(report.checkpoint == 4)
        #expect(report.checkpointMessages == Self.replica.count)
        #expect(report.replayed == 0)
        #expect(report.warnings.count == 1)
        #expect(report.warnings.first?.contains("10") == true)
        #expect(node.log.count == Self.replica.count)
        #expect(node.outbox.map(\.text) == ["five"])
    }

    @Test("a torn replica shorter than the checkpoint keeps what survives; the outbox is still filtered by what is held")
    func tornReplica() throws {
        var d = Self.durable
        d.replica = Array(Self.replica.prefix(3)) // counter 4 ("sent") is lost with the tail
        let (node, effects) = Node.restore(from: d, seed: 1, now: .milliseconds(0))
        let report = try #require(effects.restoreReports.first)
        #expect(report.checkpointMessages == 3)
        #expect(report.replayed == 0)
        #expect(report.warnings.count == 1)
        #expect(node.log.count == 3)
        // The line that was sent but whose replica line is gone goes out again
        // under its old id: receivers that hold it see a duplicate.
        #expect(node.outbox.map(\.id.counter) == [4, 5, 6])
    }

    @Test("no checkpoint: every replica line is replayed")
    func noCheckpoint() throws {
        let d = DurableState(node: nodeA, incarnation: 5, replica: Self.replica)
        let (node, effects) = Node.restore(from: d, nick: "al", seed: 1, now: .milliseconds(0))
        let report = try #require(effects.restoreReports.first)
        #expect(report.checkpoint == nil)
        #expect(report.checkpointMessages == 0)
        #expect(report.replayed == Self.replica.count)
        #expect(report.outbox == 0)
        #expect(report.incarnation == 5)
        #expect(report.warnings.isEmpty)
        #expect(node.log.count == Self.replica.count)
        #expect(node.outbox.isEmpty)
        #expect(node.nick == "al")
    }

    @Test("nothing on disk: an empty node")
    func empty() throws {
        let (node, effects) = Node.restore(from: DurableState(node: nodeA, incarnation: 1), seed: 1, now: .milliseconds(0))
        let report = try #require(effects.restoreReports.first)
        #expect(report == RestoreReport(checkpoint: nil, checkpointMessages: 0, replayed: 0, outbox: 0, incarnation: 1,
                                        draft: "", warnings: []))
        #expect(node.log.count == 0)
        #expect(node.ring == nil)
    }

    @Test("a restored node never creates a ring below the highest epoch it knew")
    func highestEpochSurvives() {
        var d = Self.durable
        d.checkpoints[0] = Self.checkpoint(4, covering: 5, outbox: [], highestEpoch: 42)
        let (node, _) = Node.restore(from: d, seed: 1, now: .milliseconds(0))
        // Alone, it regenerates the token after the loss timeout.
        var t = Instant.milliseconds(0)
        var rings: [RingID] = []
        for _ in 0..<20 {
            t = node.nextDeadline(now: t)
            for case .token(.regenerated(let r)) in node.handle(.tick, now: t) { rings.append(r) }
            if !rings.isEmpty { break }
        }
        #expect(rings.first?.epoch == 43)
        #expect(rings.first?.creator == nodeA)
        #expect(rings.first?.incarnation == 2)
    }
}
