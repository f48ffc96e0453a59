import Foundation
import Glibc
import Testing
import RingChatCore

extension EndToEnd {
    /// Rooms and private messages through real processes: headless
    /// programs join rooms, say lines into them and send private
    /// messages; the server archives every room and logs it by name;
    /// `reconcile` finds the replicas in agreement.
    @Suite struct Rooms {
        @Test func headlessRoomsPrivateMessagesAndTheServersArchive() throws {
            let c = Cluster(label: "rooms")
            defer { c.close() }
            let server = c.add("server", .server, extra: ["--join", "#ops"])
            let alice = c.add("alice"), bob = c.add("bob"), carol = c.add("carol")
            try c.startAll()
            try #require(c.waitForMembers(4), "the four nodes never saw each other\n\(c.diagnostics())")
            for p in [alice, bob] { p.send(["/join #ops"]) }
            let joined = waitUntil(10) { [alice, bob].allSatisfy { $0.events().contains { $0.name == "joined" && $0.string("room") == "#ops" } } }
            try #require(joined, "no joined event\n\(c.diagnostics())")
            // The room list counts the announcements (heartbeats): asked
            // until alice, bob and the server are counted in #ops.
            let counted = waitUntil(15) {
                bob.send(["/list"])
                usleep(300_000)
                return bob.events().last { $0.name == "list" }.map { e in
                    (e.raw["rooms"] as? [[String: Any]] ?? []).contains { $0["room"] as? String == "#ops" && $0["members"] as? Int == 3 && $0["in"] as? Bool == true }
                } ?? false
            }
            #expect(counted, "bob's /list never counted 3 in #ops: \(bob.events().last { $0.name == "list" }?.raw ?? [:])")

            let secret = "psst xyzzy-4711"
            // "the end" last: once a node shows it, it has shown everything
            // before it it may show (one order), so a missing line is missing.
            alice.send(["hello lobby", "/say #ops deploy at noon", "/action #ops waves", "/msg bob " + secret, "the end"])
            carol.send(["/msg nobody hi", "/say #b@d x"])
            // The server is no end of the private message: 4 deliveries.
            let arrived = waitUntil(20) {
                [bob, carol].allSatisfy { $0.delivered().contains { $0.string("text") == "the end" } } && server.loggedDeliveries().count >= 4
            }
            try #require(arrived, "bob \(bob.delivered().count)/5, carol \(carol.delivered().count)/2, server \(server.loggedDeliveries().count)/4\n\(c.diagnostics())")

            let atBob = bob.delivered()
            func room(_ text: String) -> String? { atBob.first { $0.string("text") == text }?.string("room") }
            #expect(room("hello lobby") == "#lobby" && room("deploy at noon") == "#ops" && room("waves") == "#ops")
            #expect(atBob.first { $0.string("text") == "waves" }?.string("kind") == "action")
            let pm = atBob.first { $0.string("kind") == "private" }
            #expect(pm?.string("text") == secret && pm?.string("with") == "alice" && pm?.string("room") == "@" + (alice.nodeID ?? "?"),
                    "\(pm?.raw ?? [:])")
            #expect(alice.delivered().contains { $0.string("kind") == "private" && $0.string("with") == "bob" && $0.string("text") == secret },
                    "the sender sees what it sent")
            #expect(atBob.count == 5, "\(atBob.map(\.raw))")
            // Carol is in no room and no end of the private message: the lobby's lines only.
            #expect(carol.delivered().compactMap { $0.string("text") } == ["hello lobby", "the end"], "\(carol.delivered().map(\.raw))")
            let errors = carol.events().filter { $0.name == "error" }.compactMap { $0.string("message") }
            #expect(errors.contains { $0.contains("nobody") } && errors.contains { $0.contains("not a room name") }, "\(errors)")

            // The server logs every room by name, and cannot read the private message.
            let log = server.logLines()
            #expect(log.first { $0.contains("started: node ") }?.contains("rooms #lobby,#ops, pid") == true, "--join: \(log.prefix(2))")
            #expect(log.contains { $0.contains(" #ops <alice> deploy at noon") } && log.contains { $0.contains(" #lobby <alice> hello lobby") },
                    "\(log.suffix(10))")
            #expect(!log.contains { $0.contains("xyzzy") } && server.loggedDeliveries().count == 4)

            for p in c.peers { #expect(p.stop() == 0, "\(p.name) did not exit cleanly\n\(p.tail())") }
            // The server's replica archives every line with its room; the
            // private one sealed. No state file of the server or carol
            // holds the plaintext.
            let archive = loadReplica(c.replicaPath(server)).ordered
            #expect(archive.count == 5, "\(archive)")
            #expect(archive.filter { $0.room == "#ops" }.map(\.text).sorted() == ["deploy at noon", "waves"])
            let sealed = archive.first { $0.kind == .private }
            #expect(sealed?.room == "@" + (bob.nodeID ?? "?") && sealed?.text.contains("xyzzy") == false)
            for p in [server, carol] {
                let files = (FileManager.default.enumerator(atPath: p.dir)?.allObjects as? [String]) ?? []
                for f in files {
                    let bytes = FileManager.default.contents(atPath: p.dir + "/" + f) ?? Data()
                    #expect(!String(decoding: bytes, as: UTF8.self).contains("xyzzy"), "\(p.name)/\(f) holds the plaintext")
                }
            }
            // reconcile: the four replicas hold the same lines, rooms and all.
            let out = c.root + "/reconcile.out"
            let child = try Child([ringchatBinary, "reconcile"] + c.peers.map(\.dir), stdout: out, stderr: c.root + "/reconcile.err", stdin: false)
            #expect(child.wait(timeout: 30))
            let report = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            #expect(child.exitCode == 0 && report.contains("merged: 5 messages"), "\(report)")
        }
    }
}
