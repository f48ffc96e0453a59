import Foundation
import Glibc
import Testing

/// The README's demo command, run for real: `demo/demo --detach` on the
/// binary under test (RINGCHAT_BIN, so it does not build), on a private
/// tmux socket and a temp dir; the four panes come up and each
/// participant's status bar shows the ring of four; `--stop` ends it and
/// removes the temporary state, `--keep` keeps it for the next run.
extension EndToEnd {
    @Suite(.serialized) struct DemoScriptTests {
        @Test func demoBringsUpFourPanesAndStops() throws {
            let demo = try DemoRun(label: "demo")
            defer { demo.close() }
            try demo.start()
            try demo.waitForRing()
            // The bottom line says which keys and how to leave.
            let help = demo.tmux(["show-options", "-gv", "status-left"])
            #expect(help.contains("F2 checkpoint") && help.contains("F3 token log") && help.contains("F9 simulated crash"), "\(help)")
            #expect(help.contains("Ctrl-b d leaves the demo"), "\(help)")
            let states = try FileManager.default.contentsOfDirectory(atPath: demo.root).filter { $0.hasPrefix("ringchat-demo.") }
            #expect(states.count == 1, "expected one temporary state dir in \(demo.root): \(states)")

            try demo.stop()
            let left = try FileManager.default.contentsOfDirectory(atPath: demo.root).filter { $0.hasPrefix("ringchat-demo.") }
            #expect(left.isEmpty, "the temporary state was not removed: \(left)")
        }

        @Test func keepReusesTheState() throws {
            let demo = try DemoRun(label: "demo-keep")
            defer { demo.close() }
            let kept = demo.root + "/xdg/ringchat-demo"
            try demo.start(["--keep"])
            try demo.waitForRing()
            try demo.stop()
            #expect(FileManager.default.fileExists(atPath: kept + "/alice/replica.jsonl"), "nothing kept in \(kept)")

            // The next run starts from that state: a new incarnation.
            try demo.start(["--keep"])
            try demo.waitForRing()
            try demo.waitForScreen("alice", "alice's second start") { $0.contains { $0.contains("-!- welcome back: ") } }
            try demo.stop()
            #expect(FileManager.default.fileExists(atPath: kept + "/alice/checkpoint.json"))
        }

        /// Without root, a missing package stops the script with the exact
        /// command to run. As root the test drops to nobody, who may not be
        /// able to reach the checkout (a clone in a mode-700 directory), so
        /// the script is read from a copy in a directory everyone can read.
        @Test func missingPackageWithoutRootPrintsTheCommand() throws {
            let cluster = Cluster(label: "require")
            defer { cluster.close() }
            let open = cluster.root + "/open"
            try FileManager.default.createDirectory(atPath: open + "/lib", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: repositoryRoot + "/demo/lib/common.sh", toPath: open + "/lib/common.sh")
            for dir in [cluster.root, open, open + "/lib"] { chmod(dir, 0o755) }
            chmod(open + "/lib/common.sh", 0o644)
            let snippet = ". \(shellQuoted(open + "/lib/common.sh")); rc_require ringchat-no-such-package; echo went on"
            var argv = ["/bin/bash", "-c", snippet]
            if getuid() == 0 { argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + argv }
            let r = try runScript(argv, in: open, timeout: 30)
            #expect(r.code == 1, "exit \(r.code): \(r.err)")
            #expect(r.err.contains("sudo apt-get update && sudo apt-get install -y ringchat-no-such-package"), "\(r.err)")
            #expect(!r.out.contains("went on"))
        }
    }
}

/// One `demo/demo` under test: its own tmux socket, TMPDIR and
/// XDG_STATE_HOME under a temp dir; `close()` kills its tmux server.
private final class DemoRun {
    let cluster: Cluster
    let socket: String
    var root: String { cluster.root }

    init(label: String) throws {
        cluster = Cluster(label: label)
        socket = "rc-demo-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    var env: [String: String] {
        ["RINGCHAT_BIN": ringchatBinary, "RINGCHAT_DEMO_SOCKET": socket, "TMPDIR": root, "XDG_STATE_HOME": root + "/xdg"]
    }

    func start(_ flags: [String] = []) throws {
        let r = try runScript([repositoryRoot + "/demo/demo", "--detach"] + flags, env: env, in: root)
        guard r.code == 0 else { throw E2EError("demo/demo --detach \(flags) exited \(r.code): \(r.err)") }
    }

    func stop() throws {
        let r = try runScript([repositoryRoot + "/demo/demo", "--stop"], env: env, in: root)
        guard r.code == 0 else { throw E2EError("demo/demo --stop exited \(r.code): \(r.err)") }
        #expect(tmux(["has-session"]).isEmpty && !tmuxServerRunning(), "the demo's tmux server survived --stop")
    }

    /// Each participant's pane shows a ring of four (three participants and the server).
    func waitForRing() throws {
        let titles = Set(tmux(["list-panes", "-a", "-F", "#{pane_title}"]).split(separator: "\n").map { String($0.split(separator: " ")[0]) })
        #expect(titles == ["alice", "bob", "carol", "server"], "panes: \(titles)")
        for nick in ["alice", "bob", "carol"] {
            try waitForScreen(nick, "the ring of four on \(nick)") { screen in
                screen.count >= 2 && ringMembers(screen[screen.count - 2])?.count == 4
            }
        }
    }

    func waitForScreen(_ nick: String, _ what: String, _ cond: ([String]) -> Bool) throws {
        var screen: [String] = []
        let ok = waitUntil(20) {
            screen = capture(nick)
            return cond(screen)
        }
        if !ok { throw E2EError("timed out: \(what)\n\(screen.joined(separator: "\n"))") }
    }

    func capture(_ nick: String) -> [String] {
        let panes = tmux(["list-panes", "-a", "-F", "#{pane_id} #{pane_title}"]).split(separator: "\n")
        guard let id = panes.first(where: { $0.split(separator: " ").dropFirst().first == Substring(nick) })?.split(separator: " ").first
        else { return [] }
        var rows = tmux(["capture-pane", "-p", "-t", String(id)]).components(separatedBy: "\n")
        if rows.last == "" { rows.removeLast() }
        return rows
    }

    @discardableResult
    func tmux(_ args: [String]) -> String {
        (try? runScript(["tmux", "-L", socket] + args, in: root, timeout: 20).out) ?? ""
    }

    func tmuxServerRunning() -> Bool {
        ((try? runScript(["tmux", "-L", socket, "list-sessions"], in: root, timeout: 20).code) ?? 1) == 0
    }

    func close() {
        // Hangs up every pane: the nodes stop cleanly; their locks go with them.
        _ = try? runScript(["tmux", "-L", socket, "kill-server"], in: root, timeout: 20)
        let tmuxDir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(tmuxDir)/tmux-\(getuid())/\(socket)")
        _ = waitUntil(5) { !self.lockHeld() }
        cluster.close()
    }

    private func lockHeld() -> Bool {
        let locks = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter { $0.hasSuffix("/lock") }
        return locks.contains { (try? runScript(["flock", "-n", root + "/" + $0, "true"], in: root, timeout: 10).code) != 0 }
    }
}
