import Foundation
import Glibc
import RingChatCore
import Testing

extension EndToEnd {
    /// `--nick` refuses what `NickRule` refuses, with the same error as
    /// `/nick` in the TUI and in headless mode, before anything starts:
    /// the process exits with a usage error and no state dir is created.
    @Suite struct Nicks {
        @Test(arguments: [["chat", "--headless"], ["server"]], ["al ice", "a\u{1B}b", "/alice", String(repeating: "n", count: 33)])
        func refusedNickStopsTheStart(command: [String], nick: String) throws {
            var template = Array("/tmp/ringchat-e2e-nick-XXXXXX".utf8CString)
            let root = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
            defer { try? FileManager.default.removeItem(atPath: root) }
            let dir = root + "/state"
            let ch = try Child([ringchatBinary] + command + ["--nick", nick, "--state-dir", dir, "--group", "239.1.2.3:45678",
                                                            "--interface", "127.0.0.1"],
                               stdout: root + "/out", stderr: root + "/err", stdin: false)
            #expect(ch.wait(timeout: 20), "ringchat did not stop")
            ch.kill()
            #expect(ch.exitCode == 64, "exit \(String(describing: ch.exitCode)): \(ch.stderrText())")
            #expect(ch.stderrText().contains(NickRule.refusal(nick)!), "\(ch.stderrText())")
            #expect(access(dir, F_OK) != 0, "a state dir was created for a refused nick")
        }
    }
}

extension EndToEnd.Nicks {
    /// A peer of `cluster` with `nick` (which the cluster may already
    /// use), its own state dir and logs under `label`; not started.
    static func another(_ nick: String, _ kind: Peer.Kind, in cluster: Cluster, label: String) throws -> Peer {
        let logs = cluster.root + "/" + label
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let p = Peer(name: nick, kind: kind, dir: cluster.root + "/state-" + label, logDir: logs,
                     args: ["--group", "\(cluster.group):\(cluster.port)", "--interface", "127.0.0.1"])
        cluster.peers.append(p)
        return p
    }

    /// A second carol (`--nick carol` while carol is live) is told so and
    /// becomes carol_; a `/nick carol` by a third gets carol__; the first
    /// carol keeps her nick throughout (issue 19, point 3).
    @Test func aNickALiveMemberHoldsIsRefused() throws {
        let cluster = Cluster(label: "nickdup")
        defer { cluster.close() }
        let carol = cluster.add("carol")
        try carol.start()
        #expect(cluster.waitForMembers(1), "\(cluster.diagnostics())")
        // Past carol's own listening second (`NickClaim`): she holds it.
        usleep(useconds_t(1_500_000 * patience))
        guard let carolID = carol.nodeID else { Issue.record("no started event"); return }
        let short = String(carolID.suffix(4))
        let second = try Self.another("carol", .chat, in: cluster, label: "second")
        try second.start()
        let told = "nick carol is in use by \(short); you are carol_"
        #expect(waitUntil(10) { second.events().contains { $0.name == "notice" && $0.string("message") == told } },
                "\(cluster.diagnostics())")
        #expect(waitUntil(10) { second.lastStatus?.string("nick") == "carol_" }, "\(cluster.diagnostics())")
        let dave = cluster.add("dave")
        try dave.start()
        #expect(cluster.waitForMembers(3), "\(cluster.diagnostics())")
        // Dave must know both nicks before his /nick: a member heard of but
        // whose heartbeat has not come yet has no nick for him, and a clash
        // he could not see is ended by rule 2 (the lower id keeps it), which
        // may rename carol_ instead (a CI run beside a busy core did).
        #expect(waitUntil(10) {
            Set(dave.lastStatus?.members.compactMap { $0["nick"] as? String } ?? []).isSuperset(of: ["carol", "carol_"])
        }, "\(cluster.diagnostics())")
        dave.send(["/nick carol"])
        // Told at once when dave's status already names carol_ (`carol__`
        // straight away), or in two steps when carol_'s heartbeat reaches
        // him after his `/nick` (carol_, then `nick carol_ is in use by
        // …; you are carol__`): he ends as carol__, told why.
        #expect(waitUntil(10) { dave.lastStatus?.string("nick") == "carol__" }, "\(cluster.diagnostics())")
        #expect(dave.events().contains { ($0.string("message") ?? "").hasSuffix("; you are carol__") && ($0.string("message") ?? "").contains(" is in use by ") },
                "\(cluster.diagnostics())")
        // Everyone sees three different nicks, and carol is the first one.
        #expect(waitUntil(10) {
            cluster.chatPeers.allSatisfy { p in
                let nicks = p.lastStatus?.members.compactMap { $0["nick"] as? String } ?? []
                return Set(nicks) == ["carol", "carol_", "carol__"]
            }
        }, "\(cluster.diagnostics())")
        #expect(carol.lastStatus?.string("nick") == "carol")
        #expect(!carol.events().contains { $0.name == "notice" && ($0.string("message") ?? "").contains("in use") })
    }

    /// Two nodes started at once with one nick end with two nicks (both
    /// may have yielded: each heard the other while it was starting).
    @Test func twoNodesStartedTogetherEndWithTwoNicks() throws {
        let cluster = Cluster(label: "nicktwin")
        defer { cluster.close() }
        let twins = try (0..<2).map { try Self.another("zed", .chat, in: cluster, label: "twin\($0)") }
        try cluster.startAll()
        #expect(cluster.waitForMembers(2), "\(cluster.diagnostics())")
        #expect(waitUntil(15) {
            let nicks = twins.compactMap { $0.lastStatus?.string("nick") }
            return nicks.count == 2 && Set(nicks).count == 2 && nicks.allSatisfy { $0.hasPrefix("zed") }
        }, "\(cluster.diagnostics())")
    }
}

extension EndToEnd.Nicks {
    /// The server's default nick follows the same rule: a second
    /// `ringchat server` on the ring becomes server_ and logs why.
    @Test func aSecondServerBecomesServerUnderscore() throws {
        let cluster = Cluster(label: "nickserver")
        defer { cluster.close() }
        let first = cluster.add("server", .server)
        try first.start()
        usleep(useconds_t(1_500_000 * patience))   // past its listening second
        let second = try Self.another("server", .server, in: cluster, label: "second")
        try second.start()
        #expect(waitUntil(10) { second.logLines().contains { $0.contains("nick server is in use by ") && $0.hasSuffix("; you are server_") } },
                "\(cluster.diagnostics())")
        #expect(waitUntil(10) { first.logLines().contains { $0.contains("members ") && $0.contains("server_(") } },
                "\(cluster.diagnostics())")
        #expect(!first.logLines().contains { $0.contains("in use by") })
    }
}
