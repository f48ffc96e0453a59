#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// Restarts that read only the replica lines after the checkpoint, and the
/// derived index: rebuilt when missing, ignored when it does not match.
@Suite(.serialized) struct ReplicaRestartTests {
    /// One host alone (it holds the token): types `n` lines, waits until
    /// they are shown, shuts down (final checkpoint).
    func fill(_ dir: String, lines n: Int, from first: Int = 0, cache: Int = 4) throws -> [RestoreReport] {
        let (host, loop, rec) = try start(dir, cache: cache)
        for i in first..<(first + n) { host.type("line \(i)") }
        let deadline = EventLoop.monotonicNow() + .seconds(30)
        func poll() {
            if rec.delivered >= n || EventLoop.monotonicNow() >= deadline { loop.stop(); return }
            loop.schedule(at: EventLoop.monotonicNow() + .milliseconds(10)) { poll() }
        }
        poll()
        try loop.run()
        #expect(rec.delivered == n, "shown \(rec.delivered) of \(n)")
        host.shutdown()
        return rec.restored
    }

    final class Rec {
        var delivered = 0
        var restored: [RestoreReport] = []
    }

    func start(_ dir: String, cache: Int = 4) throws -> (NodeHost, EventLoop, Rec) {
        let g = randomGroup()
        var o = HostOptions(stateDir: dir, nick: "alice")
        o.group = g.group
        o.port = g.port
        o.checkpointEvery = nil
        o.config.recentMessages = cache
        let loop = try EventLoop()
        let host = try NodeHost(options: o, loop: loop)
        let rec = Rec()
        host.onEvent = { e in
            switch e {
            case .delivered: rec.delivered += 1
            case .restored(let r): rec.restored.append(r)
            default: break
            }
        }
        try host.start()
        return (host, loop, rec)
    }

    @Test func restartReadsNoLineTheCheckpointCovers() throws {
        let tmp = TempDir("restart"); defer { tmp.cleanup() }
        let dir = tmp.file("a")
        let first = try fill(dir, lines: 30)
        #expect(first.first?.warnings == [], "a brand-new node starts without a warning")
        let (host, _, rec) = try start(dir)
        defer { host.shutdown() }
        let r = try #require(rec.restored.first)
        #expect(r.checkpointMessages == 30)
        #expect(r.replayed == 0)
        #expect(r.warnings.isEmpty, "\(r.warnings)")
        #expect(host.node.log.count == 30)
        #expect(host.node.log.cached.isEmpty, "nothing read into memory")
        // Older messages come back from the replica through the index.
        let all = host.history()
        #expect(all.map(\.text) == (0..<30).map { "line \($0)" })
        let store = try #require(host.historyStore)
        #expect(store.page(before: nil, limit: 5).map(\.text) == (25..<30).map { "line \($0)" })
        #expect(store.page(before: all[10].slot, limit: 3).map(\.text) == ["line 7", "line 8", "line 9"])
        #expect(store.page(after: all[27].slot, limit: 5).map(\.text) == ["line 28", "line 29"])
        let s = all[0].id.stream
        #expect(store.messages(of: s, counters: 3...6, limit: 10).map(\.id.counter) == [3, 4, 5, 6])
    }

    @Test func aMissingIndexIsRebuiltWithAWarning() throws {
        let tmp = TempDir("restart"); defer { tmp.cleanup() }
        let dir = tmp.file("a")
        _ = try fill(dir, lines: 12)
        ReplicaIndex.remove(dir + "/" + StateDirectory.indexFile)
        let (host, _, rec) = try start(dir)
        defer { host.shutdown() }
        let r = try #require(rec.restored.first)
        #expect(r.warnings.contains { $0.contains("building \(StateDirectory.indexFile)") }, "\(r.warnings)")
        #expect(r.replayed == 0, "the checkpoint still stands for the lines")
        #expect(host.history().count == 12)
    }

    /// A node that stops before any line was said restarts without a
    /// word about its checkpoint: it covers the empty replica (its second
    /// start used to say "does not match the replica").
    @Test func aCheckpointOfAnEmptyReplicaMatchesIt() throws {
        let tmp = TempDir("restart"); defer { tmp.cleanup() }
        let dir = tmp.file("a")
        _ = try fill(dir, lines: 0)
        let (host, _, rec) = try start(dir)
        defer { host.shutdown() }
        let r = try #require(rec.restored.first)
        #expect(r.checkpoint != nil)
        #expect(r.warnings.isEmpty, "\(r.warnings)")
    }

    @Test func aRewrittenReplicaIsReadWhole() throws {
        let tmp = TempDir("restart"); defer { tmp.cleanup() }
        let dir = tmp.file("a")
        _ = try fill(dir, lines: 10)
        // As `reconcile --write` would: the same messages, other bytes.
        let path = dir + "/" + StateDirectory.replicaFile
        var ms = ReplicaFile.load(from: path).messages
        ms.append(ChatMessage(id: MessageID(origin: NodeID(77), incarnation: 1, counter: 1), nick: "bob", text: "from bob",
                              slot: Slot(ring: RingID(epoch: 1, creator: NodeID(77), incarnation: 1), seq: 1), timestamp: 0))
        ms.reverse()
        try ReplicaFile.rewrite(path, with: ms)
        let (host, _, rec) = try start(dir)
        defer { host.shutdown() }
        let r = try #require(rec.restored.first)
        #expect(r.warnings.contains { $0.contains("does not match the replica") }, "\(r.warnings)")
        #expect(r.warnings.contains { $0.contains("\(StateDirectory.indexFile) does not match") }, "\(r.warnings)")
        #expect(host.node.log.count == 11)
        #expect(Set(host.history().map(\.text)) == Set(ms.map(\.text)))
    }

    @Test func aStateDirOfTheOlderVersionLosesNothing() throws {
        let tmp = TempDir("restart"); defer { tmp.cleanup() }
        let dir = tmp.file("a")
        _ = try fill(dir, lines: 8)
        // The older version wrote no snapshot, no replica position, no index.
        let store = CheckpointStore(directory: dir)
        var cp = try #require(store.load().checkpoint)
        cp.log = nil
        cp.replicaBytes = nil
        cp.replicaTail = nil
        try store.write(cp)
        ReplicaIndex.remove(dir + "/" + StateDirectory.indexFile)
        let (host, _, rec) = try start(dir)
        let r = try #require(rec.restored.first)
        #expect(r.checkpointMessages == 8 && r.replayed == 0)
        #expect(host.node.log.count == 8)
        #expect(host.history().map(\.text) == (0..<8).map { "line \($0)" })
        host.shutdown()
        // Its final checkpoint has the snapshot: the next start reads nothing.
        let (again, _, rec2) = try start(dir)
        defer { again.shutdown() }
        #expect(rec2.restored.first?.warnings.isEmpty == true, "\(rec2.restored.first?.warnings ?? [])")
        #expect(again.node.log.cached.isEmpty)
        #expect(again.node.log.count == 8)
    }

    @Test func linesAfterTheCheckpointAreReplayedAndTornTailCut() throws {
        let tmp = TempDir("restart"); defer { tmp.cleanup() }
        let dir = tmp.file("a")
        _ = try fill(dir, lines: 6)
        let path = dir + "/" + StateDirectory.replicaFile
        // Lines appended after the checkpoint (a crash before the next one),
        // then a torn line.
        let extra = (1...3).map { i in
            ChatMessage(id: MessageID(origin: NodeID(77), incarnation: 1, counter: UInt32(i)), nick: "bob", text: "late \(i)",
                        slot: Slot(ring: RingID(epoch: 1, creator: NodeID(77), incarnation: 1), seq: UInt64(i)), timestamp: 0)
        }
        let before = readFile(path)!
        writeFile(path, before + extra.flatMap(ReplicaFile.line(for:)) + Array("{\"id\":\"00".utf8))
        let (host, _, rec) = try start(dir)
        defer { host.shutdown() }
        let r = try #require(rec.restored.first)
        #expect(r.checkpointMessages == 6)
        #expect(r.replayed == 3)
        #expect(r.warnings.contains { $0.contains("replica: cut") }, "\(r.warnings)")
        #expect(host.node.log.count == 9)
        #expect(host.history().count == 9)
    }
}
