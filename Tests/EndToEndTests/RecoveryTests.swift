import Foundation
import Glibc
import Testing
import RingChatCore

extension EndToEnd {
    @Suite struct Recovery {
        /// A node stops cleanly; then its newest checkpoint is corrupted (one
        /// byte changed: the checksum fails) and its replica's last line is
        /// torn in the middle, as a crash during a write would leave it. On
        /// restart it falls back to the previous checkpoint and cuts the torn
        /// line, with a warning for each, and the message it lost comes back
        /// from its peer: nothing is lost.
        @Test func corruptCheckpointAndTornReplicaAreRecovered() throws {
            let c = Cluster(label: "recovery")
            defer { c.close() }
            let server = c.add("server", .server)
            let alice = c.add("alice", extra: ["--checkpoint-every", "0"])
            try c.startAll()
            try #require(c.waitForMembers(2), "no ring\n\(c.diagnostics())")
            alice.send((1...10).map { "first \($0)" })
            try #require(waitUntil(20) { alice.delivered().count == 10 }, "\(c.diagnostics())")
            alice.send(["/checkpoint"])
            try #require(waitUntil(10) { alice.current().contains { $0.name == "checkpoint" } }, "\(c.diagnostics())")
            let firstCP = alice.current().last { $0.name == "checkpoint" }!
            #expect(firstCP.int("replicaCount") == 10)
            alice.send((1...5).map { "second \($0)" })
            try #require(waitUntil(20) { alice.delivered().count == 15 && server.loggedDeliveries().count == 15 }, "\(c.diagnostics())")
            #expect(alice.stop() == 0)
            let finalCP = alice.current().last { $0.name == "checkpoint" }
            #expect(finalCP?.int("number") == firstCP.int("number")! + 1, "a final checkpoint on SIGTERM")
            #expect(finalCP?.int("replicaCount") == 15)

            // Damage both files.
            let cpPath = alice.dir + "/checkpoint.json"
            var cp = [UInt8](FileManager.default.contents(atPath: cpPath)!)
            let digit = cp.lastIndex { (UInt8(ascii: "0")...UInt8(ascii: "8")).contains($0) }!
            cp[digit] += 1
            _ = FileManager.default.createFile(atPath: cpPath, contents: Data(cp))
            let repPath = c.replicaPath(alice)
            let rep = [UInt8](FileManager.default.contents(atPath: repPath)!)
            let lastLineStart = rep.dropLast().lastIndex(of: UInt8(ascii: "\n"))! + 1
            let lost = try JSONDecoder().decode(ChatMessage.self, from: Data(rep[lastLineStart...]))
            let torn = Array(rep[..<(lastLineStart + (rep.count - lastLineStart) / 2)])
            _ = FileManager.default.createFile(atPath: repPath, contents: Data(torn))

            try alice.start()
            try #require(waitUntil(10) { alice.current().contains { $0.name == "restored" } }, "\(c.diagnostics())")
            let restored = alice.current().first { $0.name == "restored" }!
            #expect(restored.int("checkpoint") == firstCP.int("number"), "fell back to the previous checkpoint")
            #expect(restored.int("messages") == 14, "14 messages survive on disk")
            #expect(restored.warnings.contains { $0.contains("checkpoint.json is unusable") }, "\(restored.warnings)")
            #expect(restored.warnings.contains { $0.contains("replica: cut") }, "\(restored.warnings)")
            let warnings = alice.current().filter { $0.name == "warning" }.compactMap { $0.string("message") }
            #expect(warnings.count >= 2, "each warning also as its own event")
            // The torn message comes back from the server.
            let back = waitUntil(15) {
                loadReplica(repPath).ordered.contains { $0.id == lost.id } && alice.lastStatus?.int("lag") == 0
            }
            #expect(back, "message \(lost.id.text) '\(lost.text)' never came back\n\(c.diagnostics())")
            #expect(alice.stop() == 0)
            #expect(server.stop() == 0)
            let a = loadReplica(repPath), s = loadReplica(c.replicaPath(server))
            let same = a.ordered == s.ordered
            #expect(a.ordered.count == 15 && same)
            #expect(a.lines == 15, "the torn line was cut, not left in the middle")
        }

        /// `/crash` in a headless peer: in-memory state dropped, restored from
        /// the last checkpoint and the replica with a new incarnation, and it
        /// catches up on what was said meanwhile.
        @Test func simulatedCrashCatchesUp() throws {
            let c = Cluster(label: "simcrash")
            defer { c.close() }
            let bob = c.add("bob")
            let alice = c.add("alice")
            try c.startAll()
            try #require(c.waitForMembers(2), "\(c.diagnostics())")
            alice.send((1...5).map { "hello \($0)" })
            try #require(waitUntil(15) { bob.delivered().count == 5 }, "\(c.diagnostics())")
            bob.send(["/checkpoint", "/crash"])
            try #require(waitUntil(10) { bob.current().filter { $0.name == "restored" }.count == 2 }, "\(c.diagnostics())")
            let r = bob.current().last { $0.name == "restored" }!
            #expect(r.int("incarnation") == 2)
            #expect(r.int("checkpoint") != nil)
            #expect(r.int("messages") == 5)
            alice.send((1...5).map { "again \($0)" })
            bob.send(["after crash"])
            let ok = waitUntil(15) {
                loadReplica(c.replicaPath(bob)).ordered.count == 11 && loadReplica(c.replicaPath(alice)).ordered.count == 11
            }
            #expect(ok, "\(c.diagnostics())")
            #expect(bob.stop() == 0)
            #expect(alice.stop() == 0)
            let same = loadReplica(c.replicaPath(bob)).ordered == loadReplica(c.replicaPath(alice)).ordered
            #expect(same, "bob's and alice's replicas differ")
            // The crashed incarnation's messages and the new one's are distinct ids.
            let bobs = loadReplica(c.replicaPath(bob)).ordered.filter { $0.nick == "bob" }
            #expect(bobs.count == 1 && bobs[0].id.incarnation == 2)
        }

        /// `/crash` of a node whose pass is on its way, on the demo's slow
        /// network (`--delay 20-300 --token-hold 400`), again and again: the
        /// token survives each restart (the successor takes the pass), so
        /// no node may call it lost or form a new ring (issue 10: no ring
        /// change that nothing required). Before the fix about half of
        /// these restarts formed a ring: the restored node's heartbeat
        /// overtook its pass, which the successor then ignored as a packet
        /// of an older incarnation.
        @Test func simulatedCrashOfAPasserKeepsTheRing() throws {
            let restarts = 6
            let c = Cluster(label: "restart")
            defer { c.close() }
            let peers = ["ann", "ben", "cat"].map { c.add($0, extra: ["--delay", "20-300", "--token-hold", "400"]) }
            try c.startAll()
            try #require(c.waitForMembers(3), "\(c.diagnostics())")
            let victim = peers[1]
            func ring(_ p: Peer, _ kinds: Set<String>) -> [Event] {
                p.current().filter { $0.name == "ring" && kinds.contains($0.string("kind") ?? "") }
            }
            // Start-up forms the first ring; what counts is what comes after.
            try #require(waitUntil(15) { !ring(victim, ["granted"]).isEmpty }, "\(c.diagnostics())")
            let changes: Set<String> = ["lost", "regenerated", "successorSilent"]
            let before = peers.map { ring($0, changes).count }
            for n in 1...restarts {
                let passed = ring(victim, ["passed"]).count
                try #require(waitUntil(20) { ring(victim, ["passed"]).count > passed }, "restart \(n): \(c.diagnostics())")
                victim.send(["/crash"])
                // The ring brings the token back to the restored node.
                let back = waitUntil(30) {
                    let evs = victim.current()
                    guard let r = evs.lastIndex(where: { $0.name == "restored" && $0.int("incarnation") == n + 1 }) else { return false }
                    return evs[r...].contains { $0.name == "ring" && $0.string("kind") == "granted" }
                }
                try #require(back, "restart \(n): the token never came back\n\(c.diagnostics())")
            }
            for (p, was) in zip(peers, before) {
                let after = ring(p, changes)
                #expect(after.count == was, "\(p.name): \(after.dropFirst(was).map(\.raw))\n\(c.diagnostics())")
            }
            for p in peers { #expect(p.stop() == 0) }
        }

        /// `ringchat reconcile` finds what a stopped replica lacks and, with
        /// --write, makes every replica byte-identical.
        @Test func offlineReconcile() throws {
            let c = Cluster(label: "reconcile")
            defer { c.close() }
            let a = c.add("ann"), b = c.add("bea")
            try c.startAll()
            try #require(c.waitForMembers(2), "\(c.diagnostics())")
            a.send((1...6).map { "m\($0)" })
            try #require(waitUntil(15) { b.delivered().count == 6 && a.delivered().count == 6 }, "\(c.diagnostics())")
            #expect(a.stop() == 0); #expect(b.stop() == 0)
            // Drop two lines from bea's replica (as if she had never heard them).
            let path = c.replicaPath(b)
            let lines = String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self).split(separator: "\n")
            _ = FileManager.default.createFile(atPath: path, contents: Data((lines.dropLast(2).joined(separator: "\n") + "\n").utf8))

            func reconcile(_ extra: [String]) throws -> (Int32, String) {
                let out = c.root + "/reconcile.out"
                let ch = try Child([ringchatBinary, "reconcile", a.dir, b.dir] + extra, stdout: out, stderr: c.root + "/reconcile.err", stdin: false)
                ch.wait(timeout: 20)
                return (ch.exitCode ?? -1, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
            }
            let (code, report) = try reconcile([])
            #expect(code == 1, "\(report)")
            #expect(report.contains("lacks 2"), "\(report)")
            let (code2, report2) = try reconcile(["--write"])
            #expect(code2 == 0, "\(report2)")
            let bytesA = FileManager.default.contents(atPath: c.replicaPath(a))
            #expect(bytesA != nil && bytesA == FileManager.default.contents(atPath: path), "replicas byte-identical after --write")
            let (code3, report3) = try reconcile([])
            #expect(code3 == 0 && report3.contains("all replicas identical"), "\(report3)")
        }
    }
}
