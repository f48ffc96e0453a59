import Testing
import Foundation
@testable import RingChatCore

/// A checkpoint's log snapshot stands for the replica lines it covers.
@Suite("Log snapshot and bounded cache")
struct LogSnapshotTests {
    static let r1 = ringID(1)

    static func lines(_ n: Int) -> [ChatMessage] {
        (1...n).map { (i: Int) -> ChatMessage in
            let origin: NodeID = i % 2 == 0 ? nodeA : nodeB
            let counter = UInt32((i + 1) / 2)
            return chat(msgID(origin, 1, counter), ring: r1, seq: UInt64(i))
        }
    }

    @Test("a log rebuilt from its snapshot plus later lines has the same digest as the log of every line")
    func snapshotThenTail() throws {
        let all = Self.lines(40)
        var full = MessageLog()
        for m in all { _ = full.insert(m, delivered: true) }
        var head = MessageLog()
        for m in all.prefix(25) { _ = head.insert(m, delivered: true) }
        let snap = head.snapshot
        // Through its JSON form, as a checkpoint stores it.
        let data = try JSONRoundTrip.roundTrip(snap)
        #expect(data == snap)
        var rebuilt = MessageLog(snapshot: data)
        for m in all.dropFirst(25) { _ = rebuilt.insert(m, delivered: true) }
        #expect(rebuilt.summary == full.summary)
        #expect(rebuilt.count == 40)
        #expect(rebuilt.maxSlot == full.maxSlot)
        for s in full.streamIDs { #expect(rebuilt.entry(for: s) == full.entry(for: s)) }
        // Messages of the snapshot are held (a copy is a duplicate) but not cached.
        #expect(rebuilt.insert(all[0]) == .duplicate)
        #expect(rebuilt.message(all[0].id) == nil)
        #expect(rebuilt.isOccupied(all[0].slot))
        #expect(!rebuilt.isComplete)
        // Another id at an occupied slot is a conflict even when not cached.
        var other = all[0]
        other.id = msgID(nodeC, 1, 1)
        #expect(rebuilt.insert(other) == .conflict)
    }

    @Test("the cache keeps at most its capacity of shown messages, and never drops an unshown one")
    func eviction() {
        var log = MessageLog(capacity: 4)
        let all = Self.lines(10)
        for m in all { _ = log.insert(m) }
        #expect(log.cached.count == 10, "nothing shown yet: everything stays")
        for m in all { log.markDelivered(m.id) }
        _ = log.insert(chat(msgID(nodeC, 1, 1), ring: Self.r1, seq: 11))
        #expect(log.cached.count <= 5)
        #expect(log.count == 11)
        #expect(all.allSatisfy { log.contains($0.id) && log.isOccupied($0.slot) })
        #expect(log.message(msgID(nodeC, 1, 1)) != nil)
    }

    @Test("restore with a snapshot: only the lines after the checkpoint are replayed")
    func restoreFromSnapshot() throws {
        let all = Self.lines(30)
        var head = MessageLog()
        for m in all.prefix(20) { _ = head.insert(m, delivered: true) }
        let cp = Checkpoint(number: 3, node: nodeA, incarnation: 1, takenAt: 0, nick: "alice", replicaCount: 20,
                            lastDelivered: all[19].slot, outbox: [], ring: Self.r1, members: [nodeA, nodeB],
                            highestEpoch: 1, draft: "", log: head.snapshot)
        let durable = DurableState(node: nodeA, incarnation: 2, checkpoints: [cp], replica: all)
        let (node, effects) = Node.restore(from: durable, seed: 1, now: .zero)
        let report = try #require(effects.restoreReports.first)
        #expect(report.checkpointMessages == 20)
        #expect(report.replayed == 10)
        #expect(report.warnings.isEmpty)
        #expect(node.log.count == 30)
        #expect(node.log.cached.count == 10, "only the replayed tail is in memory")
        #expect(node.sequencer.lastDelivered == all.last?.slot)
    }
}

/// JSON round trip, as the runtime's checkpoint file stores a snapshot.
enum JSONRoundTrip {
    static func roundTrip<T: Codable>(_ v: T) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(v))
    }
}
