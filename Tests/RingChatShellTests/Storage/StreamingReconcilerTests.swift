#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// The streaming reconciler (bounded memory, what `ringchat reconcile`
/// runs) against the in-memory merge it replaces, on random replicas with
/// gaps, shuffled lines, re-sent lines at a second slot and disagreements.
@Suite struct StreamingReconcilerTests {
    static let ring1 = RingID(epoch: 1, creator: NodeID(5), incarnation: 1)
    static let ring2 = RingID(epoch: 2, creator: NodeID(6), incarnation: 1)

    static func message(_ i: Int, text: String? = nil, slot: Slot? = nil) -> ChatMessage {
        ChatMessage(id: MessageID(origin: NodeID(UInt64(10 + i % 3)), incarnation: 1, counter: UInt32(i + 1)), nick: "n\(i % 3)",
                    text: text ?? "line \(i)", slot: slot ?? Slot(ring: i < 60 ? ring1 : ring2, seq: UInt64(i < 60 ? i + 1 : i - 59)),
                    timestamp: 1_700_000_000_000 + Int64(i))
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func sameReportAsTheInMemoryMerge(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let tmp = TempDir("stream-rec"); defer { tmp.cleanup() }
        var replicas: [[ChatMessage]] = []
        for _ in 0..<3 {
            var ms: [ChatMessage] = []
            for i in 0..<100 where rng.next() % 5 != 0 { ms.append(Self.message(i)) }
            switch rng.next() % 4 {
            case 0: ms.append(Self.message(7, text: "forged"))                                       // same id, other text
            case 1: ms.append(Self.message(500, slot: Slot(ring: Self.ring1, seq: 3)))                // another id at a held slot
            case 2: ms.append(Self.message(8, slot: Slot(ring: Self.ring2, seq: 90)))                 // re-sent: a second slot
            default: break
            }
            if rng.next() % 2 == 0 { ms.shuffle(using: &rng) } else { ms.sort { ($0.slot, $0.id) < ($1.slot, $1.id) } }
            replicas.append(ms)
        }
        // A node appends an id once and a slot once (its log rejects the
        // conflict before persisting): drop later duplicates of either.
        replicas = replicas.map { ms in
            var ids = Set<MessageID>(), slots = Set<Slot>()
            return ms.filter { ids.insert($0.id).inserted && slots.insert($0.slot).inserted }
        }
        let dirs = replicas.indices.map { tmp.file("d\($0)") }
        for (d, ms) in zip(dirs, replicas) {
            try StateDirectory(path: d).create()
            writeFile(d + "/replica.jsonl", ms.flatMap(ReplicaFile.line(for:)))
        }
        let reference = OfflineReconciler(replicas: zip(dirs, replicas).map {
            OfflineReconciler.Replica(directory: $0.0, node: nil, messages: $0.1, warnings: [])
        })
        let s = try StreamingReconciler(directories: dirs, examples: 1_000)
        defer { s.close() }
        let r = s.result
        #expect(r.mergedCount == reference.merged.count)
        for (a, b) in zip(r.replicas, reference.replicas) {
            #expect(a.lackCount == b.lacks.count, "\(a.directory) lacks")
            #expect(Set(a.lacks.map(\.id)) == Set(b.lacks.map(\.id)))
            #expect(a.rejectedCount == b.rejected.count, "\(a.directory) rejected")
            #expect(a.reorderedCount == b.reordered.count, "\(a.directory) reordered")
            #expect(a.identical == b.identical)
        }
        #expect(r.disagreements.count == reference.disagreements.count)
        #expect(r.allAgree == reference.allAgree)
        let written = s.write()
        #expect(written.failures == 0)
        let expected = reference.merged.flatMap(ReplicaFile.line(for:))
        for d in dirs { #expect(readFile(d + "/replica.jsonl") == expected, "\(d) is the merged log") }
    }
}

extension StreamingReconcilerTests {
    /// Issue 19: `--write` on a dir whose node runs says to stop that node
    /// (not "give this node its own --state-dir"); replicas that hold the
    /// same lines in another order are no disagreement.
    @Test func aRunningNodeIsToBeStoppedAndLineOrderIsNoDisagreement() throws {
        let tmp = TempDir("stream-rec-lock"); defer { tmp.cleanup() }
        let dirs = [tmp.file("a"), tmp.file("b")]
        let ms = (0..<10).map { Self.message($0) }
        for (d, lines) in zip(dirs, [ms, ms.reversed()]) {
            try StateDirectory(path: d).create()
            writeFile(d + "/replica.jsonl", lines.flatMap(ReplicaFile.line(for:)))
        }
        let s = try StreamingReconciler(directories: dirs, examples: 10)
        defer { s.close() }
        let report = s.result.report()
        #expect(s.result.allAgree && s.result.disagreements.isEmpty)
        #expect(!report.contains { $0.contains("differs") }, "\(report)")
        #expect(report.contains("disagreements: none"))
        let running = try StateLock(directory: dirs[1])
        defer { running.release() }
        let (lines, failures) = s.write()
        #expect(failures == 1)
        #expect(lines.contains { $0.contains("its node is running") && $0.contains("stop that node first") }, "\(lines)")
        #expect(!lines.contains { $0.contains("its own --state-dir") }, "\(lines)")
    }
}
