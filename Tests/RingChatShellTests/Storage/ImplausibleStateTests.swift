import Foundation
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// State files holding values no honest node could have written (an older
/// version accepted an epoch of 2^64-1 from the network and stored it):
/// skipped, moved aside, never deleted, never fatal.
@Suite struct ImplausibleStateTests {
    static func poisoned(_ i: Int) -> ChatMessage {
        var m = Fixture.message(i)
        m.slot.ring.epoch = .max
        return m
    }

    func lines(_ ms: [ChatMessage]) -> [UInt8] { ms.flatMap(ReplicaFile.line(for:)) }

    @Test func implausibleReplicaLinesAreMovedToBroken() throws {
        let dir = TempDir("replica"); defer { dir.cleanup() }
        let path = dir.file("replica.jsonl")
        let good = (1...4).map { Fixture.message($0) }
        writeFile(path, lines([good[0], good[1], Self.poisoned(9), good[2], Self.poisoned(10), good[3]]))
        let r = ReplicaFile.load(from: path)
        #expect(r.messages == good)
        #expect(r.warnings.count == 2)
        #expect(r.warnings.allSatisfy { $0.contains("moved to \(path).broken") && $0.contains("epoch") }, "\(r.warnings)")
        #expect(r.warnings.first?.contains("replica line 3") == true)
        #expect(readFile(path) == lines(good), "the replica keeps every good line, in order")
        #expect(readFile(path + ".broken") == lines([Self.poisoned(9), Self.poisoned(10)]), "nothing is deleted")
        // Clean from now on; a second poisoned line later is appended, not overwritten.
        #expect(ReplicaFile.load(from: path).warnings.isEmpty)
        writeFile(path, lines(good + [Self.poisoned(11)]))
        #expect(ReplicaFile.load(from: path).messages == good)
        #expect(readFile(path + ".broken") == lines([Self.poisoned(9), Self.poisoned(10), Self.poisoned(11)]))
    }

    /// Numbers no 64-bit field holds are not valid messages: skipped like any
    /// bad line, never a trap.
    @Test(arguments: ["\"seq\":99999999999999999999999", "\"seq\":-1", "\"seq\":1e30", "\"ts\":99999999999999999999"])
    func numbersBeyond64BitsAreBadLines(_ field: String) throws {
        let dir = TempDir("replica"); defer { dir.cleanup() }
        let path = dir.file("replica.jsonl")
        let good = String(decoding: ReplicaFile.line(for: Fixture.message(1)), as: UTF8.self)
        let key = field.prefix { $0 != ":" }
        let bad = good.replacingOccurrences(of: #"\#(key):[0-9]+"#, with: field, options: .regularExpression)
        #expect(bad != good)
        writeFile(path, bad + String(decoding: ReplicaFile.line(for: Fixture.message(2)), as: UTF8.self))
        let r = ReplicaFile.load(from: path)
        #expect(r.messages == [Fixture.message(2)])
        #expect(r.warnings.first?.contains("replica line 1 skipped") == true, "\(r.warnings)")
    }

    @Test func implausibleLineAndTornTailTogether() throws {
        let dir = TempDir("replica"); defer { dir.cleanup() }
        let path = dir.file("replica.jsonl")
        let good = (1...2).map { Fixture.message($0) }
        writeFile(path, lines([good[0], Self.poisoned(7), good[1]]) + Array("{\"id\":\"torn".utf8))
        let r = ReplicaFile.load(from: path)
        #expect(r.messages == good)
        #expect(r.warnings.contains { $0.contains("replica: cut") })
        #expect(readFile(path) == lines(good))
        #expect(readFile(path + ".broken") == lines([Self.poisoned(7)]))
    }

    @Test func readOnlyLoadLeavesImplausibleLinesInPlace() throws {
        let dir = TempDir("replica"); defer { dir.cleanup() }
        let path = dir.file("replica.jsonl")
        let bytes = lines([Fixture.message(1), Self.poisoned(2)])
        writeFile(path, bytes)
        let r = ReplicaFile.load(from: path, repair: false)
        #expect(r.messages == [Fixture.message(1)])
        #expect(r.warnings.first?.contains("left in place") == true)
        #expect(readFile(path) == bytes)
        #expect(readFile(path + ".broken") == nil)
    }

    @Test func implausibleCheckpointIsMovedAsideAndThePreviousUsed() throws {
        let dir = TempDir("cp"); defer { dir.cleanup() }
        let store = CheckpointStore(directory: dir.path)
        try store.write(Fixture.checkpoint(1))
        var bad = Fixture.checkpoint(2)
        bad.highestEpoch = .max
        try store.write(bad)   // a valid file, checksum and all
        let r = store.loadAll()
        #expect(r.checkpoints == [Fixture.checkpoint(1)])
        #expect(r.warnings.contains { $0.contains("highest epoch") && $0.contains("checkpoint.json.broken") }, "\(r.warnings)")
        #expect(!FileIO.exists(store.currentPath))
        #expect(FileIO.exists(dir.file("checkpoint.json.broken")))
        // The next checkpoint does not push the good one out.
        try store.write(Fixture.checkpoint(3))
        #expect(store.loadAll().checkpoints.map(\.number) == [3, 1])
        #expect(store.loadAll().warnings.isEmpty)
    }

    @Test func offlineReconcileWriteKeepsImplausibleLines() throws {
        let tmp = TempDir("reconcile"); defer { tmp.cleanup() }
        let a = tmp.file("a"), b = tmp.file("b")
        for d in [a, b] { try StateDirectory(path: d).create() }
        writeFile(a + "/replica.jsonl", lines([Fixture.message(1), Self.poisoned(5), Fixture.message(2)]))
        writeFile(b + "/replica.jsonl", lines([Fixture.message(3)]))
        let r = OfflineReconciler(directories: [a, b])
        let all = (1...3).map { Fixture.message($0) }
        #expect(r.merged == all)
        #expect(r.replicas[0].warnings.contains { $0.contains("left in place") })
        let (out, failures) = r.write()
        #expect(failures == 0)
        #expect(out.contains { $0.contains("moved to") }, "\(out)")
        #expect(readFile(a + "/replica.jsonl.broken") == lines([Self.poisoned(5)]))
        #expect(readFile(a + "/replica.jsonl") == lines(all))
        #expect(readFile(b + "/replica.jsonl") == lines(all))
    }
}
