import Glibc
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

extension NodeHostTests {
    /// Bob's disk is full (a write seam failing with ENOSPC) for longer
    /// than his 4 KiB of unwritten lines hold while alice chats: most lines
    /// are dropped. Once it writes again his replica is completed without a
    /// restart, from his cache and alice's answers, and ends with every
    /// line once (docs/STORAGE.md, "A full disk").
    @Test func linesDroppedWhileTheDiskWasFullAreFetchedAgainWithoutARestart() throws {
        var ring = try Ring("refill")
        defer { ring.close() }
        let loop = ring.loop
        let (a, ra) = try ring.start("alice")
        let full = Locked(false)
        var o = HostOptions(stateDir: ring.tmp.file("bob"), nick: "bob")
        o.group = ring.group.0
        o.port = ring.group.1
        o.checkpointEvery = nil
        o.config.recentMessages = 16
        o.maxUnwrittenBytes = 4_096
        o.replicaWrite = { [full] fd, bytes, path throws(SystemError) in
            if full.value { throw SystemError("write", code: ENOSPC, context: path) }
            try FileIO.writeAll(fd, bytes, path: path)
        }
        let b = try NodeHost(options: o, loop: loop)
        let rb = Recorder()
        var notices: [String] = []
        b.onEvent = { e in
            switch e {
            case .delivered(let m, _): rb.delivered.append(m)
            case .restored(let r): rb.restored.append(r)
            case .warning(let w): rb.warnings.append(w)
            case .notice(let n): notices.append(n)
            case .status(let st): rb.status = st
            default: break
            }
        }
        try b.start()
        ring.hosts.append(b)
        #expect(try run(loop) { ra.status?.members.count == 2 && rb.status?.members.count == 2 })

        full.update { $0 = true }
        for i in 0..<300 { a.type("line \(i) " + String(repeating: "x", count: 60)) }
        #expect(try run(loop) { ra.delivered.count == 300 && rb.delivered.count == 300 },
                "delivered \(ra.delivered.count) and \(rb.delivered.count) of 300")
        #expect(try run(loop) { b.stats.disk.dropped > 200 }, "dropped \(b.stats.disk.dropped)")
        #expect(rb.warnings.first?.hasPrefix("the replica cannot be written: no space left on device") == true, "\(rb.warnings)")
        let replica = ring.tmp.file("bob") + "/replica.jsonl"
        let before = ReplicaFile.load(from: replica).messages.count

        full.update { $0 = false }
        let want = Set(ra.delivered.map(\.id))
        let complete = try run(loop) {
            b.stats.replicaRefilling == 0 && Set(ReplicaFile.load(from: replica).messages.map(\.id)) == want
        }
        let after = ReplicaFile.load(from: replica).messages
        #expect(complete, "bob's replica holds \(after.count) of 300 (\(before) before space was back); still refilling \(b.stats.replicaRefilling)")
        #expect(after.count == 300, "every line once")
        #expect(notices.contains { $0.hasPrefix("the replica lacks ") }, "\(notices)")
        #expect(notices.contains { $0.hasPrefix("the replica is complete again") }, "\(notices)")
        #expect(rb.restored.count == 1, "no restart")
        #expect(rb.delivered.count == 300, "nothing shown twice")
        print("refill (host): dropped \(b.stats.disk.dropped); \(notices.joined(separator: " / "))")
    }
}
