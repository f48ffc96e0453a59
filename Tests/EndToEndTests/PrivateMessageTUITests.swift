import Foundation
import Glibc
import Testing

/// Private messages on real screens: a private message sent to someone who
/// has quit waits (sealed, in every replica) and is read in their query
/// window when they start again and catch up.
extension EndToEnd {
    @Suite(.serialized) struct PrivateMessageTUI {
        @Test func aPrivateMessageSentWhileAwayIsReadAfterTheRestart() throws {
            let rig = try TUIRig(label: "pm-away", nicks: ["alice", "bob", "carol"])
            var relaunched: pid_t?
            defer {
                rig.close()
                if let pid = relaunched, kill(pid, 0) == 0 { kill(pid, SIGKILL) }
            }
            try rig.waitForRing()
            // Keys travel with heartbeats: /whois shows bob's before he goes.
            rig.type("alice", "/whois bob")
            rig.tmux.sendKeys("alice", "Enter")
            try rig.waitForRow("alice", "bob's key fingerprint on alice's screen", timeout: 10) { $0.contains("key ") }
            rig.type("bob", "/quit")
            rig.tmux.sendKeys("bob", "Enter")
            try rig.waitForRow("alice", "bob's departure", timeout: 10) { $0.contains("bob left") }
            rig.type("alice", "/msg bob the spare key is under the mat")
            rig.tmux.sendKeys("alice", "Enter")
            // Shown on alice's side, in her query window with bob (window 2:
            // /msg opens it without switching to it).
            try rig.waitForRow("alice", "where the private line went", timeout: 10) { $0.contains("in window 2") }
            rig.tmux.sendKeys("alice", "M-2")
            try rig.waitForRow("alice", "alice's own private line", timeout: 10) { $0.contains("the spare key is under the mat") }
            sleep(seconds: 2)
            let carol = rig.tmux.capture("carol")
            #expect(!carol.contains { $0.contains("spare key") }, "carol saw it:\n\(carol.joined(separator: "\n"))")

            // Bob starts again on his state dir, in a new pane.
            let argv = [ringchatBinary, "chat", "--nick", "bob", "--state-dir", rig.root + "/state-bob",
                        "--group", "\(rig.group):\(rig.port)", "--interface", "127.0.0.1"]
            try rig.tmux.newSession("bob2", width: rig.width, height: rig.height, env: ["LANG=C.UTF-8"],
                                    command: "exec " + argv.map(shellQuoted).joined(separator: " ") + " 2>>" + shellQuoted(rig.root + "/bob2.err"))
            relaunched = rig.tmux.panePID("bob2")
            // Caught up, the message opens a window for its sender, marked
            // in the status bar's activity (`*`: addressed to him); Alt-2
            // shows it.
            _ = try rig.waitFor("bob2", "the private window's activity on bob's status bar", timeout: 20) { screen in
                screen[rig.height - 2].contains("[act: 2*]")
            }
            rig.tmux.sendKeys("bob2", "M-2")
            try rig.waitForRow("bob2", "the message kept for bob, read after his restart", timeout: 10) {
                $0.contains("the spare key is under the mat")
            }
            let files = try FileManager.default.subpathsOfDirectory(atPath: rig.root).filter { $0.hasPrefix("state-") }
            for f in files {
                guard let d = FileManager.default.contents(atPath: rig.root + "/" + f) else { continue }
                #expect(!String(decoding: d, as: UTF8.self).contains("spare key"), "\(f) holds the plaintext")
            }
        }
    }
}
