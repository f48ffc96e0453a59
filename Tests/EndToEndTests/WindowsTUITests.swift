import Foundation
import Glibc
import Testing

extension EndToEnd.TUITests {
    /// Two rooms on one ring (issue 20): a line said in #ops shows in the
    /// #ops windows only, never in the lobby's window nor on the screen of
    /// a node not in #ops; the status bar of a member looking at the lobby
    /// lists window 2 as active (`*` once a line names her); Alt-2 goes
    /// there and the line is on screen, below the read marker.
    @Test func aRoomsLineStaysInItsWindowAndAltTwoGoesThere() throws {
        let rig = try TUIRig(label: "rooms", nicks: ["alice", "bob", "carol"])
        defer { rig.close() }
        try rig.waitForRing()
        for nick in ["alice", "bob"] {
            rig.type(nick, "/join #ops")
            rig.tmux.sendKeys(nick, "Enter")
            try rig.waitFor(nick, "#ops open on \(nick)") { $0[rig.height - 2].contains("[2:#ops]") }
        }
        rig.type("alice", "/window 1")
        rig.tmux.sendKeys("alice", "Enter")
        try rig.waitFor("alice", "alice back in the lobby") { $0[rig.height - 2].contains("[1:#lobby]") }

        rig.type("bob", "deploy at five, ops only")
        rig.tmux.sendKeys("bob", "Enter")
        try rig.waitForRow("bob", "bob's line in his #ops window") { $0.hasSuffix("<bob> deploy at five, ops only") }
        try rig.waitFor("alice", "window 2 active on alice's bar") { $0[rig.height - 2].contains("[1:#lobby] [act: 2]") }
        #expect(!rig.tmux.capture("alice").contains { $0.contains("deploy at five") }, "the #ops line in alice's lobby window")

        // A lobby line from bob's lobby window reaches everyone's lobby.
        rig.tmux.sendKeys("bob", "M-1")
        try rig.waitFor("bob", "bob in the lobby") { $0[rig.height - 2].contains("[1:#lobby]") }
        rig.type("bob", "lunch, anyone?")
        rig.tmux.sendKeys("bob", "Enter")
        for nick in ["alice", "carol"] {
            try rig.waitForRow(nick, "bob's lobby line on \(nick)") { $0.hasSuffix("<bob> lunch, anyone?") }
        }
        // Back in #ops bob names alice: a mention in window 2.
        rig.tmux.sendKeys("bob", "M-2")
        try rig.waitFor("bob", "bob in #ops") { $0[rig.height - 2].contains("[2:#ops]") }
        rig.type("bob", "alice: can you check the logs?")
        rig.tmux.sendKeys("bob", "Enter")
        try rig.waitFor("alice", "a mention in window 2") { $0[rig.height - 2].contains("[act: 2*]") }

        rig.tmux.sendKeys("alice", "M-2")
        let ops = try rig.waitFor("alice", "alice's #ops window") { screen in
            screen[rig.height - 2].contains("[2:#ops]") && screen.contains { $0.hasSuffix("<bob> deploy at five, ops only") }
        }
        #expect(!ops[rig.height - 2].contains("act"), "activity left on the bar: \(ops[rig.height - 2])")
        let marker = ops.firstIndex { $0.contains("read up to here") }
        let line = ops.firstIndex { $0.hasSuffix("<bob> deploy at five, ops only") }
        #expect(marker != nil && line != nil && marker! < line!, "the read marker is not above the new lines:\n\(ops.joined(separator: "\n"))")
        #expect(!ops.contains { $0.contains("lunch, anyone?") }, "a lobby line in the #ops window")

        // carol never joined #ops: none of it on her screen, and no window 2.
        let carol = rig.tmux.capture("carol")
        #expect(!carol.contains { $0.contains("deploy at five") || $0.contains("check the logs") }, "\(carol.joined(separator: "\n"))")
        #expect(!carol[rig.height - 2].contains("act:"), "\(carol[rig.height - 2])")
        rig.type("carol", "/list")
        rig.tmux.sendKeys("carol", "Enter")
        try rig.waitForRow("carol", "#ops in carol's /list") { $0.hasSuffix("#ops  2 members") }
    }

    /// A private message (issue 20): alice's `/msg bob` opens a window on
    /// bob's screen, marked with `*`; bob reads it there and answers in
    /// it; carol, in the same ring, sees neither line, and no state file
    /// holds either in plain text.
    @Test func aPrivateMessageIsReadByItsRecipientOnly() throws {
        let rig = try TUIRig(label: "query", nicks: ["alice", "bob", "carol"])
        defer { rig.close() }
        try rig.waitForRing()
        let secret = "the door code is 4711"
        rig.type("alice", "/msg bob \(secret)")
        rig.tmux.sendKeys("alice", "Enter")
        try rig.waitForRow("alice", "where the line went") { $0.contains("private message to bob: in window 2 (Alt-2)") }
        try rig.waitFor("bob", "a private message marked on bob's bar") { $0[rig.height - 2].contains("[act: 2*]") }
        #expect(!rig.tmux.capture("bob").contains { $0.contains(secret) }, "the private line in bob's lobby window")

        rig.tmux.sendKeys("bob", "M-2")
        try rig.waitFor("bob", "bob's window with alice") { screen in
            screen[rig.height - 2].contains("[2:alice]") && screen.contains { $0.hasSuffix("<alice> \(secret)") }
        }
        let reply = "got it, thanks"
        rig.type("bob", reply)
        rig.tmux.sendKeys("bob", "Enter")
        try rig.waitFor("alice", "bob's answer marked on alice's bar") { $0[rig.height - 2].contains("[act: 2*]") }
        rig.tmux.sendKeys("alice", "M-2")
        try rig.waitFor("alice", "alice's window with bob") { screen in
            screen[rig.height - 2].contains("[2:bob]") && screen.contains { $0.hasSuffix("<alice> \(secret)") }
                && screen.contains { $0.hasSuffix("<bob> \(reply)") }
        }

        // Carol's node has both lines (sealed) by now: a lobby line typed
        // after them reaches her after them.
        rig.type("alice", "/window 1")
        rig.tmux.sendKeys("alice", "Enter")
        rig.type("alice", "anything new?")
        rig.tmux.sendKeys("alice", "Enter")
        let carol = try rig.waitFor("carol", "alice's lobby line on carol") { $0.contains { $0.hasSuffix("<alice> anything new?") } }
        #expect(!carol.contains { $0.contains(secret) || $0.contains(reply) }, "\(carol.joined(separator: "\n"))")
        #expect(!carol[rig.height - 2].contains("act:") && !carol[rig.height - 2].contains("[2:"), "\(carol[rig.height - 2])")

        for nick in rig.nicks + ["server"] {
            let dir = rig.root + "/state-" + nick
            for name in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))) ?? Data()
                for text in [secret, reply] {
                    #expect(bytes.range(of: Data(text.utf8)) == nil, "\(text) in plain text in \(nick)/\(name)")
                }
            }
        }
    }
}
