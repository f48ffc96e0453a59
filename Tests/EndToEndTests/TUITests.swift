import Foundation
import Glibc
@testable import RingChatCore
import RingChatIO
import RingChatSession
import Synchronization
import Testing

/// The terminal UI, driven for real: `ringchat chat` processes in a private
/// tmux server (`tmux -L`, its own socket, killed at the end), one session
/// per participant, plus a `ringchat server`, all on a random 239.x group
/// joined on 127.0.0.1. Keys go in with `send-keys`; the screen comes back
/// with `capture-pane`, polled against a deadline.
extension EndToEnd {
    @Suite(.serialized) struct TUITests {
        /// A message with Portuguese, CJK and an emoji typed in one pane
        /// shows in the two others, and every character sits at the column
        /// its width gives it (columns read from tmux's own grid through
        /// copy mode, not recomputed from the captured text).
        @Test func wideCharactersArriveAtTheRightColumns() throws {
            let rig = try TUIRig(label: "wide", nicks: ["alice", "bob", "carol"])
            defer { rig.close() }
            try rig.waitForRing()

            let text = "ação 日本語 🎉 END"
            rig.type("alice", text)
            rig.tmux.sendKeys("alice", "Enter")
            let prefix = "<alice> "
            for viewer in ["bob", "carol", "alice"] {
                let row = try rig.waitForRow(viewer, "waiting for the message on \(viewer)") { $0.hasSuffix(prefix + text) }
                let screen = rig.tmux.capture(viewer)
                let line = screen[row]
                #expect(line.range(of: #"^\d\d:\d\d <alice> ação 日本語 🎉 END$"#, options: .regularExpression) != nil,
                        "\(viewer) row \(row): '\(line)'")
                // `HH:MM ` + `<alice> ` = 14 columns, then each character
                // advances by its display width: ação 4+1, 日本語 6+1, 🎉 2+1.
                let expected: [(String, Int)] = [("ação", 14), ("日本語", 19), ("🎉", 26), ("END", 29)]
                for (word, column) in expected {
                    let found = rig.tmux.gridColumn(viewer, of: word, row: row)
                    #expect(found == column, "\(viewer): '\(word)' at column \(found.map(String.init) ?? "nil"), expected \(column)")
                }
            }

            // A line too long for one row wraps by display width with a
            // hanging indent: every continuation row starts where the body
            // does, at column 12 (`HH:MM <bob> `).
            let long = Array(repeating: "日本語 ação 🎉", count: 12).joined(separator: " ")
            rig.type("bob", long)
            rig.tmux.sendKeys("bob", "Enter")
            let first = try rig.waitForRow("carol", "the long line on carol") { $0.contains("<bob> 日本語 ação 🎉 日本語") }
            let screen = rig.tmux.capture("carol")
            var rows = [screen[first]]
            var r = first + 1
            let indent = 12
            while r < rig.height - 2, screen[r].hasPrefix(String(repeating: " ", count: indent)) {
                rows.append(screen[r])
                r += 1
            }
            #expect(rows.count >= 3, "the long line did not wrap: \(rows)")
            for row in rows { #expect(displayWidth(row) <= rig.width, "row wider than the pane: '\(row)'") }
            let rejoined = ([String(rows[0].dropFirst(indent))] + rows.dropFirst().map { String($0.dropFirst(indent)) })
                .map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
            #expect(rejoined.hasSuffix(long), "the wrapped rows do not add up to the line:\n\(rows.joined(separator: "\n"))")
        }

        /// With the demo's slow token (--token-hold 400) the holder mark on
        /// one pane's status bar (`[ring …: alice ▸bob◂ carol server]`)
        /// moves over at least three different members, this node among
        /// them, always within the ring shown; none of those passes is a
        /// line in the conversation.
        @Test func holderMarkMovesRoundTheRing() throws {
            let rig = try TUIRig(label: "ringbar", nicks: ["alice", "bob", "carol"], extra: ["--token-hold", "400"])
            defer { rig.close() }
            try rig.waitForRing()

            var holders = Set<String>()
            // Generous: a busy machine may stall the panes for a while; the
            // limit only catches a token that does not move at all.
            let end = now() + 30 * patience
            while now() < end, holders.count < 4 {
                let bar = rig.statusBar("alice")
                if let h = holderMark(bar) {
                    let ring = ringMembers(bar) ?? []
                    #expect(ring.contains(h), "holder \(h) outside the ring shown: '\(bar)'")
                    holders.insert(h)
                }
                usleep(50_000)
            }
            #expect(holders.count >= 3, "the holder mark on alice's status bar hardly moved: \(holders)")
            #expect(holders.contains("alice"), "alice never showed itself as holder: \(holders)")
            let screen = rig.tmux.capture("alice")
            #expect(!screen.contains { $0.contains("holds the token") || $0.contains("passed the token") || $0.contains("token passed") },
                    "passes in the conversation:\n\(screen.joined(separator: "\n"))")
        }

        /// Typing in one pane tells the token's answer in one dimmed line,
        /// rewritten in place (request → grant → seq), never a pass; F3
        /// shows the full log, passes and other nodes' holds included, and
        /// F3 again the conversation.
        @Test func requestsAndGrantsInTheChatPassesInTheF3Log() throws {
            let rig = try TUIRig(label: "token", nicks: ["alice", "bob", "carol"], extra: ["--token-hold", "300"])
            defer { rig.close() }
            try rig.waitForRing()

            // Type while someone else holds the token (a holder sends at
            // once, without a request); if the token still got there first,
            // try again.
            var requested = false
            for attempt in 1...8 where !requested {
                try rig.waitFor("bob", "another holder on bob") { holderMark($0[rig.height - 2]).map { $0 != "bob" } ?? false }
                rig.type("bob", "who has the token? \(attempt)")
                rig.tmux.sendKeys("bob", "Enter")
                try rig.waitForRow("alice", "bob's line on alice") { $0.hasSuffix("<bob> who has the token? \(attempt)") }
                requested = rig.tmux.capture("bob").contains { $0.contains("-·- token requested (1 queued)") }
            }
            #expect(requested, "bob never logged a token request")
            try rig.waitForRow("bob", "the whole story in one line") {
                $0.range(of: #"-·- token requested \(1 queued\) → granted from \S+ after \d+ ms → sent as seq \d+$"#,
                         options: .regularExpression) != nil
            }
            // At most one token line per line sent.
            let screen = rig.tmux.capture("bob")
            let sent = screen.filter { $0.contains("<bob> who has the token?") }.count
            #expect(screen.filter { $0.contains("-·- ") }.count <= sent, "\(screen.joined(separator: "\n"))")
            // Token lines are dimmed (SGR 2).
            let sgr = sgrBefore("token requested", in: rig.tmux.capture("bob", escapes: true))
            #expect(sgr?.contains("2") == true, "the token line is not dimmed: SGR \(sgr ?? [])")
            #expect(!rig.tmux.capture("bob").contains { $0.contains("passed the token") || $0.contains("holds the token") })

            rig.tmux.sendKeys("bob", "F3")
            try rig.waitFor("bob", "bob's full token log") { screen in
                screen[rig.height - 2].contains("[token log: F3 back]")
                    && screen.contains { $0.contains("-·- you passed the token to ") }
                    && screen.contains { $0.range(of: #"-·- ▸ (alice|carol|server) holds the token"#, options: .regularExpression) != nil }
                    && !screen.contains { $0.contains("<bob> who has the token?") }
            }
            rig.tmux.sendKeys("bob", "F3")
            try rig.waitFor("bob", "the conversation back") { screen in
                !screen[rig.height - 2].contains("token log") && screen.contains { $0.contains("<bob> who has the token?") }
            }
        }

        /// F2 takes a checkpoint: a line says it was written and the status
        /// bar's checkpoint item shows its number, then its age growing.
        @Test func f2UpdatesTheCheckpointItem() throws {
            let rig = try TUIRig(label: "ckpt", nicks: ["alice", "bob"], extra: ["--checkpoint-every", "0"])
            defer { rig.close() }
            try rig.waitForRing()
            #expect(rig.tmux.capture("alice")[rig.height - 2].contains("[no ckpt]"))

            rig.tmux.sendKeys("alice", "F2")
            try rig.waitForRow("alice", "the checkpoint line") { $0.contains("-!- checkpoint #1 written") }
            try rig.waitFor("ckpt #1 on the status bar") { $0[rig.height - 2].contains("[ckpt #1 ") }
            // Any age of two seconds or more: a loaded machine may skip a redraw.
            try rig.waitFor("the checkpoint's age growing", timeout: 5) {
                $0[rig.height - 2].range(of: #"\[ckpt #1 ([2-9]|\d\d+)s ago\]"#, options: .regularExpression) != nil
            }

            rig.tmux.sendKeys("alice", "F2")
            try rig.waitFor("ckpt #2 on the status bar") { $0[rig.height - 2].contains("[ckpt #2 ") }
        }

        /// F9: the screen says the state was dropped, names the checkpoint
        /// rolled back to and what was replayed, then that the node caught
        /// up; the lag item reads 0, the draft on the input line survives,
        /// and the node chats on.
        @Test func f9RestoresAndCatchesUp() throws {
            let rig = try TUIRig(label: "crash", nicks: ["alice", "bob", "carol"])
            defer { rig.close() }
            try rig.waitForRing()
            for i in 1...3 {
                rig.type("bob", "before the crash \(i)")
                rig.tmux.sendKeys("bob", "Enter")
            }
            try rig.waitForRow("alice", "bob's lines on alice") { $0.hasSuffix("<bob> before the crash 3") }
            rig.tmux.sendKeys("alice", "F2")
            try rig.waitForRow("alice", "the checkpoint") { $0.contains("checkpoint #") && $0.contains("written") }
            rig.type("bob", "after the checkpoint")
            rig.tmux.sendKeys("bob", "Enter")
            try rig.waitForRow("alice", "the line after the checkpoint") { $0.hasSuffix("<bob> after the checkpoint") }

            rig.type("alice", "unsent draft ✓")
            rig.tmux.sendKeys("alice", "F9")
            try rig.waitForRow("alice", "the crash line") { $0.contains("-!- crash simulated (F9): in-memory state dropped") }
            let restoreRow = try rig.waitForRow("alice", "the restore line") {
                $0.range(of: #"-!- restored checkpoint #\d+ \(\d+ messages\) \+ replayed \d+ from the replica; catching up from peers…"#,
                         options: .regularExpression) != nil
            }
            let restore = rig.tmux.capture("alice")[restoreRow]
            // The checkpoint covered the three lines; the fourth is replayed.
            #expect(restore.contains("(3 messages) + replayed 1 from the replica"), "restore line: \(restore)")
            try rig.waitForRow("alice", "caught up", timeout: 10) { $0.contains("-!- caught up: lag 0") }
            let screen = rig.tmux.capture("alice")
            #expect(screen[rig.height - 2].contains("[lag 0]"), "status: \(screen[rig.height - 2])")
            #expect(screen[rig.height - 1] == "[alice] unsent draft ✓", "input line: '\(screen[rig.height - 1])'")
            #expect(screen.contains { $0.hasSuffix("<bob> before the crash 1") }, "history lost from the screen")

            // The restored node is a full member again: both ways.
            rig.type("bob", "welcome back")
            rig.tmux.sendKeys("bob", "Enter")
            try rig.waitForRow("alice", "a line after the restore") { $0.hasSuffix("<bob> welcome back") }
            rig.tmux.sendKeys("alice", "End")
            rig.type("alice", " and sent")
            rig.tmux.sendKeys("alice", "Enter")
            try rig.waitForRow("bob", "alice's draft, sent after the restore") { $0.hasSuffix("<alice> unsent draft ✓ and sent") }
        }

        /// Shrinking to 60x15 and growing back to 100x30 leaves a clean
        /// screen each time: the status bar and the input line on the last
        /// two rows, every pane row a proper chat row or a continuation, and
        /// after the way back exactly the rows that were there before. On
        /// the small screen PgUp scrolls back (`-- more --`) and PgDn returns.
        @Test func resizeLeavesACleanScreen() throws {
            let rig = try TUIRig(label: "resize", nicks: ["alice", "bob"], extra: ["--checkpoint-every", "0"])
            defer { rig.close() }
            try rig.waitForRing()
            for i in 1...6 {
                rig.type("bob", "line \(i) " + String(repeating: "ação 日本語 🎉 ", count: i))
                rig.tmux.sendKeys("bob", "Enter")
            }
            try rig.waitForRow("alice", "bob's lines") { $0.contains("<bob> line 6 ") }
            rig.type("alice", "typed but not sent")
            try rig.waitFor("the draft") { $0[rig.height - 1] == "[alice] typed but not sent" }
            let before = try rig.waitForSteadyPane("alice")

            rig.tmux.resize("alice", width: 60, height: 15)
            let small = try rig.waitFor("alice", "the 60x15 layout", rows: 15) { $0[13].hasPrefix("[alice] [") }
            checkClean(small, width: 60, height: 15, nick: "alice")
            #expect(small[14] == "[alice] typed but not sent", "input after shrinking: '\(small[14])'")
            #expect(small.contains { $0.contains("<bob> line 6 ") }, "the newest line is not on the small screen")
            // Scrollback without a mouse: PgUp shows the marker, PgDn ends it.
            rig.tmux.sendKeys("alice", "PageUp")
            let up = try rig.waitFor("alice", "the scrollback marker", rows: 15) { $0[13].contains("-- more") }
            checkClean(up, width: 60, height: 15, nick: "alice")
            #expect(up != small, "PgUp did not scroll")
            rig.tmux.sendKeys("alice", "PageDown")
            try rig.waitFor("alice", "back at the bottom", rows: 15) { !$0[13].contains("-- more") && $0.contains { $0.contains("<bob> line 6 ") } }

            rig.tmux.resize("alice", width: 100, height: 30)
            try rig.waitFor("alice", "the 100x30 layout") { $0[28].hasPrefix("[alice] [") }
            let after = try rig.waitForSteadyPane("alice")
            checkClean(after, width: 100, height: 30, nick: "alice")
            #expect(Array(after[0..<28]) == Array(before[0..<28]),
                    "the pane differs after the round trip:\n--- before\n\(before.joined(separator: "\n"))\n--- after\n\(after.joined(separator: "\n"))")
            #expect(after[29] == before[29])
        }

        /// A peer whose nick and text carry escape sequences (clear screen,
        /// set the window title, bell, cursor home) changes nothing on the
        /// other screens: they show the sequences in caret notation, the
        /// earlier lines stay, the title is not set, the layout holds.
        /// The peer is a real node (the runtime's `NodeHost` in this test
        /// process, with a nick the CLI would refuse), so the bytes reach
        /// the TUIs through the protocol exactly as an attacker's would.
        @Test func hostilePeerChangesNothingOnOtherScreens() throws {
            let rig = try TUIRig(label: "hostile", nicks: ["alice", "bob"])
            defer { rig.close() }
            try rig.waitForRing()
            rig.type("alice", "a line before the attack")
            rig.tmux.sendKeys("alice", "Enter")
            try rig.waitForRow("bob", "the first line") { $0.hasSuffix("<alice> a line before the attack") }
            let titleBefore = rig.tmux.paneTitle("bob")

            let evil = "\u{1B}[2J\u{1B}]0;owned\u{07}"
            var o = HostOptions(stateDir: rig.root + "/state-hostile", nick: "hostile")
            o.group = rig.group
            o.port = rig.port
            o.interface = "127.0.0.1"
            o.checkpointEvery = nil
            // The nick rule refuses `evil` for a node of ours: the test plays
            // an attacker's node, which puts what it likes in its packets.
            let hostile = try InProcessPeer(options: o, impersonating: evil)
            defer { hostile.stop() }
            try rig.waitFor("the hostile peer in the ring", timeout: 10) { ringMembers($0[rig.height - 2])?.count == 4 }
            hostile.type("hi \(evil) there \u{1B}[H\u{1B}[31m red?")

            let shown = "^[[2J^[]0;owned^G"
            for viewer in ["alice", "bob"] {
                try rig.waitForRow(viewer, "the hostile line on \(viewer)") { $0.hasSuffix("<\(shown)> hi \(shown) there ^[[H^[[31m red?") }
                // Joined after the first seconds, or listed among those met then.
                try rig.waitForRow(viewer, "the hostile join on \(viewer)") {
                    $0.contains("-!- \(shown) joined (") || ($0.contains("-!- in the ring with you: ") && $0.contains(shown))
                }
                let screen = rig.tmux.capture(viewer)
                checkClean(screen, width: rig.width, height: rig.height, nick: viewer)
                #expect(screen.contains { $0.hasSuffix("<alice> a line before the attack") }, "\(viewer)'s screen was cleared")
                let title = rig.tmux.paneTitle(viewer)
                #expect(!title.contains("owned"), "\(viewer)'s title was set: \(title)")
                // No colour leaked from the hostile text: its end is drawn
                // with the attributes the pane set, not red.
                let sgr = sgrBefore(" red?", in: rig.tmux.capture(viewer, escapes: true)) ?? []
                #expect(!sgr.contains("31"), "\(viewer): the hostile colour took effect: SGR \(sgr)")
            }
            #expect(rig.tmux.paneTitle("bob") == titleBefore)

            // C1's one-byte CSI, a bidi override and a pile of 16 combining
            // marks (32 bytes) on one letter: shown as code points, the
            // pile cut to what a script needs, in the TUIs and the server's log.
            let pile = String(repeating: "\u{0301}", count: 16)
            hostile.type("c1 \u{9B}2J bidi \u{202E}olleh\u{202C} zalgo a\(pile) end")
            for viewer in ["alice", "bob"] {
                let row = try rig.waitForRow(viewer, "the C1/bidi/zalgo line on \(viewer)") {
                    $0.contains("c1 <U+009B>2J bidi <U+202E>olleh<U+202C> zalgo ") && $0.hasSuffix(" end")
                }
                let screen = rig.tmux.capture(viewer)
                checkClean(screen, width: rig.width, height: rig.height, nick: viewer)
                let marks = screen[row].unicodeScalars.filter { $0 == "\u{0301}" }.count
                #expect(marks <= TerminalSafety.maxCombiningMarks, "\(viewer) shows \(marks) combining marks on one letter")
            }
            let server = rig.cluster.peers[0]
            try #require(waitUntil(10) { server.logLines().contains { $0.contains("zalgo") } }, "the server never logged the line")
            for line in server.logLines() {
                #expect(!line.unicodeScalars.contains { TerminalSafety.isControl($0.value) }, "a control reached the server log: \(line)")
            }
            let logged = server.logLines().first { $0.contains("zalgo") }!
            #expect(logged.unicodeScalars.filter { $0 == "\u{0301}" }.count <= TerminalSafety.maxCombiningMarks)
        }

        /// A line naming alice is highlighted on her screen and rings her
        /// terminal's bell: a BEL byte in what the app wrote to the pane
        /// (tmux `pipe-pane`), and none for a line that does not name her.
        @Test func aMentionRingsTheBell() throws {
            let rig = try TUIRig(label: "bell", nicks: ["alice", "bob"])
            defer { rig.close() }
            try rig.waitForRing()
            let raw = rig.root + "/alice.raw"
            rig.tmux.run(["pipe-pane", "-o", "-t", "alice", "cat >> " + shellQuoted(raw)])
            rig.type("bob", "nothing for anyone")
            rig.tmux.sendKeys("bob", "Enter")
            try rig.waitForRow("alice", "the plain line") { $0.hasSuffix("<bob> nothing for anyone") }
            sleep(seconds: 0.5)
            #expect(!rawBytes(raw).contains(0x07), "a bell for a line that names nobody")

            rig.type("bob", "Alice: lunch?")
            rig.tmux.sendKeys("bob", "Enter")
            try rig.waitForRow("alice", "the mention") { $0.hasSuffix("<bob> Alice: lunch?") }
            #expect(waitUntil(5) { rawBytes(raw).contains(0x07) }, "no BEL in alice's pane output")
            // Highlighted: yellow (SGR 33; tmux sends the bold apart).
            let sgr = sgrBefore("Alice: lunch?", in: rig.tmux.capture("alice", escapes: true)) ?? []
            #expect(sgr.contains("33"), "the mention is not highlighted: SGR \(sgr)")
            // Bob's own screen: no mention of himself, no bell there.
            #expect(sgrBefore("Alice: lunch?", in: rig.tmux.capture("bob", escapes: true))?.contains("33") != true)
        }

        /// A paste of 20 lines (tmux `paste-buffer -p`: bracketed, as a
        /// terminal pastes) asks first; nothing reaches bob until `y`, and
        /// then all 20 lines go out in one token visit (one send line).
        @Test func aLongPasteAsksBeforeSending() throws {
            let rig = try TUIRig(label: "paste", nicks: ["alice", "bob"])
            defer { rig.close() }
            try rig.waitForRing()
            let lines = (1...20).map { "pasted line \($0)" }
            rig.tmux.run(["set-buffer", "-b", "twenty", lines.joined(separator: "\n") + "\n"])
            rig.tmux.run(["paste-buffer", "-p", "-b", "twenty", "-t", "alice"])
            try rig.waitFor("alice", "the question") { $0[rig.height - 1].hasPrefix("paste 20 lines? y/n") }
            sleep(seconds: 1)
            #expect(!rig.tmux.capture("bob").contains { $0.contains("pasted line") }, "sent before the answer")
            rig.type("alice", "y")
            try rig.waitForRow("bob", "the last pasted line") { $0.hasSuffix("<alice> pasted line 20") }
            let bob = rig.tmux.capture("bob")
            for l in lines { #expect(bob.contains { $0.hasSuffix("<alice> \(l)") }, "bob lacks '\(l)'") }
            try rig.waitForRow("alice", "one visit, one line") { $0.range(of: #"-·- .*sent 20 lines as seq \d+-\d+"#, options: .regularExpression) != nil }
            #expect(rig.tmux.capture("alice").filter { $0.contains("-·- ") }.count == 1)
            #expect(rig.tmux.capture("alice")[rig.height - 1] == "[alice]")
        }

        /// With four members the status bar keeps the holder, the lag and
        /// the last checkpoint at 80, 60 and 40 columns.
        @Test func statusBarKeepsHolderLagAndCheckpointDownToForty() throws {
            let rig = try TUIRig(label: "narrow", nicks: ["alice", "bob", "carol"], extra: ["--token-hold", "300"])
            defer { rig.close() }
            try rig.waitForRing()
            rig.tmux.sendKeys("alice", "F2")
            try rig.waitFor("the checkpoint on the bar") { $0[rig.height - 2].contains("[ckpt #1 ") }
            for (width, height) in [(80, 24), (60, 20), (40, 15)] {
                rig.tmux.resize("alice", width: width, height: height)
                let screen = try rig.waitFor("alice", "holder, lag and checkpoint at \(width)", rows: height) { s in
                    let bar = s[height - 2]
                    return holderMark(bar) != nil && bar.range(of: #"\[lag \d+\]"#, options: .regularExpression) != nil
                        && bar.range(of: #"\[(ckpt #1 [^\]]+|ck#1 \S+)\]"#, options: .regularExpression) != nil
                }
                #expect(displayWidth(screen[height - 2]) <= width)
            }
        }

        /// Word motions as a terminal sends them (tmux's `M-b`, `M-f`,
        /// `C-Left`, `C-Right`), the mouse wheel, and `/away` on bob's ring
        /// strip and in alice's `/names`.
        @Test func wordKeysWheelAndAway() throws {
            let rig = try TUIRig(label: "keys", nicks: ["alice", "bob"])
            defer { rig.close() }
            try rig.waitForRing()
            rig.type("alice", "hello big world")
            rig.tmux.sendKeys("alice", "M-b")
            rig.type("alice", "X")
            try rig.waitFor("alice", "Alt-B") { $0[rig.height - 1] == "[alice] hello big Xworld" }
            // From inside `Xworld`: its start, then the start of `big`.
            rig.tmux.sendKeys("alice", "C-Left", "C-Left")
            rig.type("alice", "Y")
            try rig.waitFor("alice", "Ctrl-Left") { $0[rig.height - 1] == "[alice] hello Ybig Xworld" }
            rig.tmux.sendKeys("alice", "C-Right")
            rig.type("alice", "Z")
            try rig.waitFor("alice", "Ctrl-Right") { $0[rig.height - 1] == "[alice] hello YbigZ Xworld" }
            rig.tmux.sendKeys("alice", "M-f")
            rig.type("alice", "W")
            try rig.waitFor("alice", "Alt-F") { $0[rig.height - 1] == "[alice] hello YbigZ XworldW" }
            rig.tmux.sendKeys("alice", "C-u")

            // The wheel, as the terminal reports it (X10 mouse encoding,
            // `ESC [ M`, button 64 up / 65 down, plus 32): scrolls back
            // (`-- more --`) and returns.
            for i in 1...40 {
                rig.type("bob", "filler \(i)")
                rig.tmux.sendKeys("bob", "Enter")
            }
            try rig.waitForRow("alice", "the fillers") { $0.hasSuffix("<bob> filler 40") }
            for _ in 1...3 { rig.tmux.run(["send-keys", "-t", "alice", "-H", "1b", "5b", "4d", "60", "30", "30"]) }
            try rig.waitFor("alice", "the wheel scrolls back") { $0[rig.height - 2].contains("-- more") }
            for _ in 1...6 { rig.tmux.run(["send-keys", "-t", "alice", "-H", "1b", "5b", "4d", "61", "30", "30"]) }
            try rig.waitFor("alice", "the wheel comes back") { !$0[rig.height - 2].contains("-- more") && $0.contains { $0.hasSuffix("<bob> filler 40") } }

            rig.type("bob", "/away lunch")
            rig.tmux.sendKeys("bob", "Enter")
            try rig.waitForRow("alice", "bob's away note") { $0.hasSuffix("* bob is away: lunch") }
            try rig.waitFor("alice", "bob away on the ring strip") { $0[rig.height - 2].contains("bob(away)") || $0[rig.height - 2].contains("◂(away)") }
            rig.type("alice", "/names")
            rig.tmux.sendKeys("alice", "Enter")
            try rig.waitForRow("alice", "/names") { $0.contains(" here: ") && $0.contains("bob (away: lunch)") }
        }

        /// `/quit` in carol's pane: alice and bob see one plain line,
        /// `carol left (3 members)`, and none of the token's side of it. The
        /// first screen is in plain words.
        @Test func aQuitIsOneDepartureLine() throws {
            let rig = try TUIRig(label: "quit", nicks: ["alice", "bob", "carol"])
            defer { rig.close() }
            try rig.waitForRing()
            let first = rig.tmux.capture("alice")
            #expect(first.contains { $0.hasSuffix("-!- first start here: no history yet") }, "\(first.joined(separator: "\n"))")
            #expect(!first.contains { $0.contains("incarnation") || $0.contains("replica") })
            rig.type("carol", "/quit")
            rig.tmux.sendKeys("carol", "Enter")
            for viewer in ["alice", "bob"] {
                try rig.waitForRow(viewer, "carol's departure on \(viewer)", timeout: 10) { $0.hasSuffix("-!- carol left (3 members)") }
            }
            // Time for any second line about it to show up.
            sleep(seconds: 3)
            for viewer in ["alice", "bob"] {
                let screen = rig.tmux.capture(viewer)
                let aboutCarol = screen.filter { $0.contains("carol") && !$0.contains("joined") && !$0.contains("in the ring with you") }
                #expect(aboutCarol.count == 1, "\(viewer):\n\(screen.joined(separator: "\n"))")
                #expect(!screen.contains { $0.contains("did not take the token") || $0.contains("moved from ring") || $0.contains("regenerated") },
                        "\(viewer):\n\(screen.joined(separator: "\n"))")
                #expect(ringMembers(screen[rig.height - 2])?.contains("carol") == false)
            }
        }

        /// One nick per live node, on the screen: bob's `/nick alice` while
        /// alice is in the ring gives him `alice_`, and his pane says why;
        /// alice keeps hers, and her ring strip names both.
        @Test func aTakenNickIsRefusedOnScreen() throws {
            let rig = try TUIRig(label: "nick", nicks: ["alice", "bob"])
            defer { rig.close() }
            try rig.waitForRing()
            rig.type("bob", "/nick alice")
            rig.tmux.sendKeys("bob", "Enter")
            try rig.waitForRow("bob", "the refusal on bob's screen", timeout: 10) {
                $0.contains("nick alice is in use by") && $0.hasSuffix("you are alice_")
            }
            _ = try rig.waitFor("alice", "both nicks on alice's ring strip", timeout: 10) { screen in
                ringMembers(screen[rig.height - 2]).map { $0.contains("alice") && $0.contains("alice_") } ?? false
            }
            let bob = rig.tmux.capture("bob")
            #expect(!bob.contains { $0.hasSuffix("you are now known as alice") }, "\(bob.joined(separator: "\n"))")
        }

        /// Input-to-screen latency on an idle ring at the default settings
        /// (three TUIs and a server, token hold 100 ms): 20 lines typed in
        /// one pane, each measured twice: by the app itself (Enter read to
        /// the frame that shows the message, RINGCHAT_LATENCY_LOG) and from
        /// outside (tmux send-keys Enter to the line in capture-pane, polled
        /// every 5 ms). Prints median and p99; asserts nothing about time
        /// (two shared cores make timing flaky). Runs with
        /// RINGCHAT_TUI_BENCH=1.
        @Test(.enabled(if: ProcessInfo.processInfo.environment["RINGCHAT_TUI_BENCH"] == "1"))
        func inputToScreenLatency() throws {
            let rig = try TUIRig(label: "latency", nicks: ["alice", "bob", "carol"], latencyLog: "alice")
            defer { rig.close() }
            try rig.waitForRing()
            sleep(seconds: 1)
            let count = Int(ProcessInfo.processInfo.environment["RINGCHAT_TUI_BENCH_LINES"] ?? "") ?? 20
            var outside: [Double] = []
            for i in 1...count {
                let text = "latency probe \(i)"
                rig.type("alice", text)
                // Let the typed characters be drawn before Enter is timed.
                _ = try rig.waitFor("the typed text") { $0[rig.height - 1].hasSuffix(text) }
                let t0 = now()
                rig.tmux.sendKeys("alice", "Enter")
                while now() - t0 < 5 {
                    if rig.tmux.capture("alice").contains(where: { $0.hasSuffix("<alice> \(text)") }) { break }
                    usleep(5_000)
                }
                outside.append((now() - t0) * 1000)
                sleep(seconds: Double.random(in: 0.15...0.35))
            }
            sleep(seconds: 0.3)
            let log = (try? String(contentsOfFile: rig.latencyLogPath, encoding: .utf8)) ?? ""
            let inside = log.split(separator: "\n").compactMap { l -> Double? in
                let p = l.split(separator: " ")
                return p.count == 2 && p[0] == "latency_us" ? Double(p[1]).map { $0 / 1000 } : nil
            }
            print("TUI latency, idle ring, defaults, \(count) lines:")
            print("  in the app (Enter read -> frame drawn): " + summary(inside))
            print("  from tmux (send-keys Enter -> capture-pane shows it, 5 ms polls): " + summary(outside))
            #expect(inside.count == count, "latency log has \(inside.count) of \(count) lines")
        }
    }
}

// MARK: - checks

/// The layout holds: the status bar (it starts with `[nick] [`) and the
/// input line (`[nick]`) on the last two rows, no row wider than the
/// screen, and every pane row a chat/system row (`HH:MM `), a continuation
/// (leading spaces) or empty.
private func checkClean(_ screen: [String], width: Int, height: Int, nick: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(screen.count == height, "\(screen.count) rows, expected \(height)", sourceLocation: sourceLocation)
    guard screen.count == height else { return }
    #expect(screen[height - 2].hasPrefix("[\(nick)] ["), "status bar row: '\(screen[height - 2])'", sourceLocation: sourceLocation)
    #expect(screen[height - 1].hasPrefix("[\(nick)]"), "input row: '\(screen[height - 1])'", sourceLocation: sourceLocation)
    for (i, row) in screen.enumerated() {
        #expect(displayWidth(row) <= width, "row \(i) is \(displayWidth(row)) wide: '\(row)'", sourceLocation: sourceLocation)
        guard i < height - 2, !row.isEmpty else { continue }
        let ok = row.range(of: #"^\d\d:\d\d "#, options: .regularExpression) != nil || row.hasPrefix(" ")
        #expect(ok, "row \(i) is not a pane row: '\(row)'", sourceLocation: sourceLocation)
    }
}

/// The members in the status bar's ring item, `[ring 1@ab12: alice ▸bob◂
/// carol(lag 2) server]`, without marks and lags; nil when it is not shown
/// in full (a narrow bar keeps only the holder).
func ringMembers(_ bar: String) -> [String]? {
    // Up to the `]` that ends the item (a peer's nick may hold a `]`).
    guard let r = bar.range(of: #"\[ring( [^:\]]+)?: .*?\](?= \[| -- | *$)"#, options: .regularExpression) else { return nil }
    var inner = String(bar[r].dropFirst().dropLast())
    inner = String(inner[inner.range(of: ": ")!.upperBound...])
    inner = inner.replacingOccurrences(of: " · no token", with: "")
    inner = inner.replacingOccurrences(of: #"\((lag )?\d+\)"#, with: "", options: .regularExpression)
    return inner.split(separator: " ").map { String($0).replacingOccurrences(of: "▸", with: "").replacingOccurrences(of: "◂", with: "") }
}

/// The nick between the holder marks on a status bar, if any.
func holderMark(_ bar: String) -> String? {
    guard let r = bar.range(of: "▸[^◂]+◂", options: .regularExpression) else { return nil }
    return String(bar[r].dropFirst().dropLast())
}

/// The parameters of the last SGR sequence (`ESC [ ... m`) before `text`
/// in a `capture-pane -e` screen: the attributes `text` is drawn with
/// (tmux emits a sequence only where the attributes change). Empty
/// parameters mean a reset; nil if `text` is not on the screen.
private func sgrBefore(_ text: String, in screen: [String]) -> [String]? {
    let all = screen.joined(separator: "\n")
    guard let r = all.range(of: text) else { return nil }
    let head = all[..<r.lowerBound]
    guard let esc = head.range(of: "\u{1B}[", options: .backwards) else { return [] }
    let seq = head[esc.upperBound...].prefix { $0 != "m" }
    return seq.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
}

/// The bytes of a file, empty if it is not there (yet).
private func rawBytes(_ path: String) -> [UInt8] {
    (try? Data(contentsOf: URL(fileURLWithPath: path))).map { Array($0) } ?? []
}

/// Columns as the terminal counts them (glibc's wcwidth under C.UTF-8,
/// the table tmux uses too).
private func displayWidth(_ s: String) -> Int {
    _ = utf8Locale
    return s.unicodeScalars.reduce(0) { $0 + max(0, Int(libcWcwidth(wchar_t(bitPattern: $1.value)))) }
}

// Glibc's Swift module hides wcwidth; it is a plain C function.
@_silgen_name("wcwidth") private func libcWcwidth(_ c: wchar_t) -> Int32

private let utf8Locale: Void = { _ = setlocale(LC_CTYPE, "C.UTF-8") }()

private func summary(_ ms: [Double]) -> String {
    guard !ms.isEmpty else { return "no samples" }
    let s = ms.sorted()
    func pct(_ p: Double) -> Double { s[min(s.count - 1, Int((p * Double(s.count - 1)).rounded(.up)))] }
    func f(_ v: Double) -> String { String(format: "%.1f", v) }
    return "n=\(s.count) median \(f(pct(0.5))) ms, p90 \(f(pct(0.9))) ms, p99 \(f(pct(0.99))) ms, max \(f(s.last!)) ms"
}

// MARK: - rig

/// A `ringchat server` and one TUI per nick, each in its own tmux session
/// of a private server, on a fresh group; `close()` kills the tmux server,
/// any pane process still alive (by pid) and the server (by pid).
final class TUIRig {
    let cluster: Cluster
    let tmux: Tmux
    let nicks: [String]
    let width = 100
    let height = 30
    var root: String { cluster.root }
    var group: String { cluster.group }
    var port: UInt16 { cluster.port }
    var latencyLogPath: String { root + "/latency.log" }
    private var panePIDs: [pid_t] = []

    init(label: String, nicks: [String], extra: [String] = [], latencyLog: String? = nil) throws {
        cluster = Cluster(label: "tui-\(label)")
        tmux = try Tmux(root: cluster.root)
        self.nicks = nicks
        do {
            cluster.add("server", .server, extra: extra)
            try cluster.startAll()
            for nick in nicks {
                var env = ["LANG=C.UTF-8"]
                if nick == latencyLog { env.append("RINGCHAT_LATENCY_LOG=\(latencyLogPath)") }
                let argv = [ringchatBinary, "chat", "--nick", nick, "--state-dir", root + "/state-" + nick,
                            "--group", "\(group):\(port)", "--interface", "127.0.0.1"] + extra
                try tmux.newSession(nick, width: width, height: height, env: env,
                                    command: "exec " + argv.map(shellQuoted).joined(separator: " ") + " 2>>" + shellQuoted(root + "/\(nick).err"))
                if let pid = tmux.panePID(nick) { panePIDs.append(pid) }
            }
        } catch {
            close()
            throw error
        }
    }

    /// Every status bar shows the whole ring (the TUIs and the server).
    func waitForRing(timeout: Double = 15) throws {
        let n = nicks.count + 1
        for nick in nicks {
            try waitFor(nick, "the ring of \(n) on \(nick)", timeout: timeout) { ringMembers($0[height - 2])?.count == n }
        }
    }

    /// `session`'s status bar row (empty if the screen is not up yet).
    func statusBar(_ session: String) -> String {
        let s = tmux.capture(session)
        return s.count == height ? s[height - 2] : ""
    }

    func type(_ session: String, _ text: String) { tmux.sendText(session, text) }

    /// Polls `session`'s screen until it has `rows` rows (the rig's height
    /// by default) and `cond` holds; returns that screen. The timeout is
    /// stretched by `patience` (see `waitUntil`).
    @discardableResult
    func waitFor(_ session: String, _ what: String, timeout: Double = 8, rows: Int? = nil,
                 _ cond: ([String]) -> Bool) throws -> [String] {
        let end = now() + timeout * patience
        var screen = tmux.capture(session)
        while screen.count != (rows ?? height) || !cond(screen) {
            if now() > end {
                throw E2EError("timed out: \(what)\n--- \(session):\n\(screen.joined(separator: "\n"))\n\(diagnostics())")
            }
            usleep(20_000)
            screen = tmux.capture(session)
        }
        return screen
    }

    /// A capture of `session` once its pane rows (all but the status bar)
    /// and input line read the same in two captures 300 ms apart: a frame
    /// still being drawn, or a line still arriving, is not compared.
    func waitForSteadyPane(_ session: String) throws -> [String] {
        var last: [String] = []
        return try waitFor(session, "a steady pane on \(session)") { screen in
            defer { last = screen }
            let steady = screen.count == last.count && screen.indices.allSatisfy { $0 == screen.count - 2 || screen[$0] == last[$0] }
            if !steady { usleep(300_000) }
            return steady
        }
    }

    /// `waitFor` on the first session.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 8, _ cond: ([String]) -> Bool) throws -> [String] {
        try waitFor(nicks[0], what, timeout: timeout, cond)
    }

    /// Polls until a pane row satisfies `cond`; returns its index.
    @discardableResult
    func waitForRow(_ session: String, _ what: String, timeout: Double = 8, _ cond: (String) -> Bool) throws -> Int {
        let screen = try waitFor(session, what, timeout: timeout) { s in s.prefix(max(0, s.count - 2)).contains(where: cond) }
        return screen.firstIndex(where: cond)!
    }

    func diagnostics() -> String {
        let errs = nicks.map { n in
            let e = (try? String(contentsOfFile: root + "/\(n).err", encoding: .utf8)) ?? ""
            return e.isEmpty ? "" : "--- \(n) stderr:\n\(e)"
        }.filter { !$0.isEmpty }
        return (errs + [cluster.peers.map { $0.tail(8) }.joined(separator: "\n")]).joined(separator: "\n")
    }

    func close() {
        tmux.killServer()
        // Killing the server hangs up every pane: the TUIs exit cleanly on
        // SIGHUP. Whatever is still alive after a moment is killed by pid.
        let end = now() + 3
        while now() < end, panePIDs.contains(where: { Glibc.kill($0, 0) == 0 }) { usleep(20_000) }
        for pid in panePIDs where Glibc.kill(pid, 0) == 0 { _ = Glibc.kill(pid, SIGKILL) }
        cluster.close()
    }
}

/// A private tmux server: `tmux -L rc-test-PID-N`, its own config.
final class Tmux {
    private static let counter = Atomic<Int>(0)
    private static let files = Atomic<Int>(0)
    let name: String
    let root: String
    let config: String
    private(set) var started = false
    /// The server's socket, removed after `kill-server` (tmux leaves it).
    private var socketPath: String?

    init(root: String) throws {
        self.root = root
        name = "rc-test-\(getpid())-\(Self.counter.add(1, ordering: .relaxed).newValue)"
        config = root + "/tmux.conf"
        // The pane's TERM; keep a dead pane's last screen for diagnostics;
        // no status line (the panes are exactly the window's size); vi keys
        // in copy mode, where a search puts the cursor on the match's start.
        try """
        set -g default-terminal "screen-256color"
        set -g remain-on-exit on
        set -g status off
        set -g history-limit 100
        set -g mode-keys vi

        """.write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// Runs one tmux command to completion; its exit status and stdout.
    ///
    /// Spawned with default signal handling and an empty signal mask: the
    /// test runner blocks most signals, and a tmux server (and the TUIs in
    /// its panes) inheriting that mask could not be hung up or stopped.
    /// Stdout goes to a file, not a pipe: the command that starts the
    /// server forks a daemon that would hold a pipe open forever.
    @discardableResult
    func run(_ args: [String]) -> (status: Int32, out: String) {
        let outPath = root + "/tmux-\(Self.files.add(1, ordering: .relaxed).newValue).out"
        defer { unlink(outPath) }
        let argv = ["/usr/bin/tmux", "-L", name, "-f", config] + args
        guard let child = try? Child(argv, stdout: outPath, stderr: "/dev/null", stdin: false) else { return (-1, "") }
        let code = child.waitForExit()
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        return (code, out)
    }

    func newSession(_ session: String, width: Int, height: Int, env: [String], command: String) throws {
        var args = ["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)"]
        for e in env { args += ["-e", e] }
        let r = run(args + [command])
        guard r.status == 0 else { throw E2EError("tmux new-session \(session) failed (\(r.status))") }
        started = true
        if socketPath == nil {
            let p = run(["display-message", "-p", "#{socket_path}"]).out.trimmingCharacters(in: .whitespacesAndNewlines)
            if p.hasSuffix("/" + name) { socketPath = p }
        }
    }

    func panePID(_ session: String) -> pid_t? {
        pid_t(run(["display-message", "-p", "-t", session, "#{pane_pid}"]).out.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func paneTitle(_ session: String) -> String {
        run(["display-message", "-p", "-t", session, "#{pane_title}"]).out.trimmingCharacters(in: .newlines)
    }

    /// UTF-8 text, literally (no key names).
    func sendText(_ session: String, _ text: String) { run(["send-keys", "-t", session, "-l", text]) }

    /// Key names: Enter, F2, PageUp, C-d...
    func sendKeys(_ session: String, _ keys: String...) { run(["send-keys", "-t", session] + keys) }

    func resize(_ session: String, width: Int, height: Int) {
        run(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"])
    }

    /// The visible screen, one string per row (trailing blanks trimmed by
    /// tmux); with `escapes`, SGR sequences for colours and attributes.
    func capture(_ session: String, escapes: Bool = false) -> [String] {
        let out = run(["capture-pane", "-p", "-t", session] + (escapes ? ["-e"] : [])).out
        var rows = out.components(separatedBy: "\n")
        if rows.last == "" { rows.removeLast() }
        return rows
    }

    /// The grid column where `word` starts on `row`, found by tmux's copy
    /// mode (so it is where the terminal put it, whatever the text says).
    func gridColumn(_ session: String, of word: String, row: Int) -> Int? {
        run(["copy-mode", "-t", session])
        defer { run(["send-keys", "-t", session, "-X", "cancel"]) }
        // Start from the top-left, search forward for the word on that row.
        run(["send-keys", "-t", session, "-X", "top-line"])
        run(["send-keys", "-t", session, "-X", "start-of-line"])
        for _ in 0..<row { run(["send-keys", "-t", session, "-X", "cursor-down"]) }
        run(["send-keys", "-t", session, "-X", "start-of-line"])
        run(["send-keys", "-t", session, "-X", "search-forward-text", word])
        let r = run(["display-message", "-p", "-t", session, "#{copy_cursor_x} #{copy_cursor_y}"]).out
        let parts = r.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
        guard parts.count == 2, parts[1] == row else { return nil }
        return parts[0]
    }

    func killServer() {
        guard started else { return }
        run(["kill-server"])
        started = false
        if let p = socketPath { unlink(p) }
    }
}

// MARK: - an in-process peer

/// A real node (the runtime's `NodeHost` on its own `EventLoop`) on a
/// thread of the test process: for peers the CLI would refuse to start,
/// such as one with escape sequences in its nick.
private final class InProcessPeer: Sendable {
    private let inbox = Mutex<[String]>([])
    private let loopHandle = Mutex<LoopHandle?>(nil)
    private let finished = Atomic<Bool>(false)
    private let failure = Mutex<String?>(nil)

    /// `impersonating`: a nick no node of ours would take, put on the node
    /// as an attacker's would carry it (through `@testable`).
    init(options: HostOptions, impersonating nick: String? = nil) throws {
        let thread = Thread { [self] in self.body(options, nick: nick) }
        thread.start()
        let end = now() + 5
        while now() < end, loopHandle.withLock({ $0 }) == nil, !finished.load(ordering: .acquiring) { usleep(10_000) }
        if let f = failure.withLock({ $0 }) { throw E2EError("in-process peer: \(f)") }
    }

    /// Queues a line; the node sends it when the token comes.
    func type(_ line: String) { inbox.withLock { $0.append(line) } }

    func stop() {
        loopHandle.withLock { $0 }?.stop()
        let end = now() + 5
        while now() < end, !finished.load(ordering: .acquiring) { usleep(10_000) }
    }

    private func body(_ options: HostOptions, nick: String?) {
        defer { finished.store(true, ordering: .releasing) }
        let loop: EventLoop
        let host: NodeHost
        do {
            loop = try EventLoop()
            host = try NodeHost(options: options, loop: loop)
            try host.start()
            if let nick { host.node.nick = nick }
        } catch {
            failure.withLock { $0 = "\(error)" }
            return
        }
        // Typed lines are picked up by a 20 ms timer: the loop and the
        // host never leave this thread.
        func pump() {
            for line in inbox.withLock({ box -> [String] in defer { box = [] }; return box }) { host.type(line) }
            loop.schedule(at: EventLoop.monotonicNow() + .milliseconds(20)) { pump() }
        }
        pump()
        loopHandle.withLock { $0 = loop.handle }
        try? loop.run()
        host.shutdown()
    }
}
