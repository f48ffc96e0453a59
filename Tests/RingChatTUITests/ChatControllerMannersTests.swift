import Testing
@testable import RingChatCore
import RingChatIO
import RingChatSession
@testable import RingChatTUI

/// Mentions, the bell, activity and the read marker, pastes, /names,
/// /away and /clear, against the fake node of `ChatControllerTests`.
extension ChatControllerTests {
    @Test func aMentionIsHighlightedAndRingsTheBell() {
        var bells = 0
        c.onBell = { bells += 1 }
        c.handle(.status(status(holder: Self.bob)))
        c.handle(.delivered(message("bob", "lunch, anyone?", seq: 1), backfill: false))
        #expect(bells == 0)
        c.handle(.delivered(message("bob", "Alice: lunch?", seq: 2), backfill: false))
        #expect(bells == 1)
        #expect(c.pane.entries.last?.mention == true)
        let body = c.pane.rows(of: c.pane.count - 1, width: 200)[0].segments.last
        #expect(body == Segment("Alice: lunch?", .mention))
        // Your own line naming yourself is no mention.
        c.handle(.delivered(message("alice", "alice here", seq: 3, from: Self.me), backfill: false))
        #expect(bells == 1 && c.pane.entries.last?.mention == false)
        type("/bell off")
        c.handle(.delivered(message("bob", "alice?", seq: 4), backfill: false))
        #expect(bells == 1)
        type("/bell all")
        c.handle(.delivered(message("bob", "anyone?", seq: 5), backfill: false))
        #expect(bells == 2)
    }

    @Test func activityAndTheReadMarkerWhileAway() {
        c.paneSize = (160, 4)
        c.handle(.status(status(holder: Self.bob)))
        for i in 1...6 { c.handle(.delivered(message("bob", "old \(i)", seq: UInt64(i)), backfill: false)) }
        #expect(c.pane.readMarkerIndex == nil)
        c.handle(keys: [.pageUp], at: clock.mono)
        c.handle(.delivered(message("bob", "while you read", seq: 7), backfill: false))
        c.handle(.delivered(message("bob", "alice, look", seq: 8), backfill: false))
        #expect(statusBar().contains("[act: 2 new, 1 mention]"), "\(statusBar())")
        // The marker sits between what you saw and what came since.
        let lines = paneText().map { String($0.dropFirst(6)) }
        let marker = lines.firstIndex(of: "-!- " + PaneEntry<Slot>.markerText)
        #expect(marker != nil && lines[marker! - 1] == "<bob> old 6" && lines[marker! + 1] == "<bob> while you read", "\(lines)")
        // Back at the live end: the activity is seen, the marker stays.
        c.handle(keys: [.pageDown, .pageDown, .pageDown], at: clock.mono)
        #expect(!statusBar().contains("act"))
        #expect(c.pane.readMarkerIndex != nil)
        // F3 and back with nothing new: no empty marker left behind.
        c.handle(keys: [.f(3)], at: clock.mono)
        c.handle(.delivered(message("bob", "during F3", seq: 9), backfill: false))
        #expect(statusBar().contains("[act: 1 new]"))
        c.handle(keys: [.f(3)], at: clock.mono)
        #expect(!statusBar().contains("act"))
        c.handle(keys: [.f(3), .f(3)], at: clock.mono)
        #expect(c.pane.readMarkerIndex == nil || c.pane.readMarkerIndex! < c.pane.count - 1)
    }

    @Test func aPasteGoesOutTogetherAfterTheQuestion() {
        let lines = (1...20).map { "pasted \($0)" }
        var keys: [KeyEvent] = [.pasteStart]
        for l in lines { keys += l.map { KeyEvent.character($0) } + [.enter] }
        keys.append(.pasteEnd)
        c.handle(keys: keys, at: clock.mono)
        #expect(backend.typed.isEmpty)
        let f = c.frame()
        #expect(f.prompt.map(\.text).joined() == "paste 20 lines? y/n ")
        c.handle(keys: [.character("y")], at: clock.mono)
        #expect(backend.typed.map(\.0) == lines)
        #expect(backend.batches == [20])
        #expect(c.frame().prompt.map(\.text).joined() == "[alice] ")
        // Refused: nothing sent, and said so.
        c.handle(keys: keys + [.character("n")], at: clock.mono)
        #expect(backend.typed.count == 20)
        #expect(paneText().last?.hasSuffix("paste of 20 lines not sent") == true)
    }

    @Test func namesAwayAndClear() {
        c.handle(.status(status(holder: Self.bob)))
        type("/away lunch")
        #expect(backend.typed.last.map { "\($0.0) \($0.1)" } == "is away: lunch action")
        c.handle(.delivered(message("bob", "is away: at the dentist", seq: 1, kind: .action), backfill: false))
        type("/names")
        #expect(paneText().last?.hasSuffix("3 here: alice (you), bob (away: at the dentist), server") == true, "\(paneText().last ?? "")")
        #expect(statusBar().contains("▸bob◂(away)"))
        c.handle(.delivered(message("bob", "is back", seq: 2, kind: .action), backfill: false))
        #expect(!statusBar().contains("(away)"))
        type("/clear")
        #expect(c.pane.count == 0)
    }

    @Test func aRestartNamesMembersFromHistory() {
        backend.messages = [message("bob", "before the restart", seq: 1)]
        c.handle(.restored(report(checkpoint: 1, messages: 1, replayed: 0)))
        // The token names bob before his heartbeat does.
        c.handle(.status(status(holder: Self.bob, members: [(Self.me, "alice"), (Self.bob, "?")])))
        #expect(statusBar().contains("[ring: alice ▸bob◂]"), "\(statusBar())")
    }

    /// The peers met after a start are one line that grows in place; after
    /// the first seconds a join is a line of its own.
    @Test func theGreetingGrowsInPlace() {
        c.handle(.restored(report(checkpoint: nil, messages: 0, replayed: 0)))
        c.handle(.status(status(holder: Self.bob, members: [(Self.me, "alice"), (Self.bob, "bob")])))
        #expect(paneText().last?.hasSuffix("-!- in the ring with you: bob (2 members)") == true)
        clock.advance(500)
        c.handle(.status(status(holder: Self.bob)))
        let greetings = paneText().filter { $0.contains("in the ring with you") }
        #expect(greetings.count == 1 && greetings[0].hasSuffix("in the ring with you: bob and server (3 members)"), "\(greetings)")
        clock.advance(3_000)
        c.handle(.status(status(holder: Self.bob, members: [(Self.me, "alice"), (Self.bob, "bob"), (Self.server, "server"), (NodeID(0xD4), "dave")])))
        #expect(paneText().last?.hasSuffix("-!- dave joined (4 members)") == true)
    }

    @Test func anIdleRingsCheckpointIsCurrent() {
        let clock = self.clock
        let c = ChatController(backend: backend, nick: "alice", checkpointEvery: .seconds(10),
                               monotonic: { clock.mono }, wall: { clock.wall })
        c.paneSize = (160, 10)
        // Restored from disk: an hour old, but the node has not had a
        // period to decide yet.
        c.handle(.restored(report(checkpoint: 19, messages: 1, replayed: 0)))
        c.handle(.status(status(holder: Self.bob, checkpoint: 19, checkpointAt: clock.wall - 3_600_000)))
        #expect(c.frame().status.map(\.text).joined().contains("[ckpt #19 1h ago]"), "\(c.frame().status.map(\.text).joined())")
        c.handle(.status(status(holder: Self.bob, checkpoint: 20, checkpointAt: clock.wall - 5_000)))
        #expect(c.frame().status.map(\.text).joined().contains("[ckpt #20 5s ago]"))
        clock.advance(115_000)
        #expect(c.frame().status.map(\.text).joined().contains("[ckpt #20 current]"))
    }
}
