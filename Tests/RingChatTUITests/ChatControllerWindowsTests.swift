import Testing
@testable import RingChatCore
import RingChatIO
import RingChatSession
@testable import RingChatTUI

/// Windows in the chat screen against the fake node of
/// `ChatControllerTests`: /join, /part, /list, /window and Alt-digits,
/// routing by room, activity and the read marker per window, queries.
extension ChatControllerTests {
    func said(_ nick: String, _ text: String, seq: UInt64, room: String, from origin: NodeID = bob,
              kind: MessageKind = .text) -> ChatMessage {
        ChatMessage(id: MessageID(origin: origin, incarnation: 1, counter: UInt32(seq)), nick: nick, text: text, kind: kind,
                    room: room, slot: Slot(ring: Self.ring, seq: seq), timestamp: clock.wall)
    }

    func windowText(_ i: Int) -> [String] {
        let p = c.windows[i].pane
        return p.entries.indices.flatMap { p.rows(of: $0, width: 1000).map(\.text) }
    }

    func alt(_ d: Character) { c.handle(keys: [.alt(d)], at: clock.mono) }

    @Test func joinOpensAndSwitchesTypingGoesToTheRoom() {
        c.handle(.status(status(holder: Self.bob)))
        type("/join #Ops")
        #expect(backend.rooms == ["#ops"])
        #expect(c.windows.count == 2 && c.windows.currentNumber == 2 && c.windows.current.name == "#ops")
        #expect(paneText().contains { $0.contains("you joined #ops (1 member)") }, "\(paneText())")
        #expect(statusBar().contains("[alice] [2:#ops] [ring:"), "\(statusBar())")
        type("hello ops")
        type("/me waves")
        alt("1")
        type("hello lobby")
        alt("2")
        // Away is everyone's news: said in the lobby from any window.
        type("/away lunch")
        #expect(backend.typed.map(\.0) == ["hello ops", "waves", "hello lobby", "is away: lunch"])
        #expect(backend.typedRooms == ["#ops", "#ops", "", ""])
        // Joining again goes to the window; /join #lobby to window 1.
        type("/join ops")
        #expect(c.windows.count == 2 && c.windows.currentNumber == 2)
        type("/join #lobby")
        #expect(c.windows.currentNumber == 1)
    }

    @Test func joinSeveralAndRefusals() {
        type("/join #a,#b c")
        #expect(backend.rooms == ["#a", "#b", "#c"])
        #expect(c.windows.windows.map(\.name) == ["#lobby", "#a", "#b", "#c"] && c.windows.currentNumber == 4)
        type("/join #bad!")
        #expect(paneText().last?.contains("not a room name: #bad!") == true)
        while backend.rooms.count < RoomName.maxAnnounced { backend.rooms.append("#r\(backend.rooms.count)") }
        type("/join #onetoomany")
        #expect(paneText().last?.contains("cannot join #onetoomany") == true, "\(paneText().last ?? "")")
        #expect(c.windows.index(of: "#onetoomany") == nil)
    }

    /// Each line goes to its room's window only; rooms the node is not in
    /// are not shown at all.
    @Test func linesGoToTheirRoomsWindow() {
        type("/join #ops")
        alt("1")
        c.handle(.delivered(said("bob", "in the lobby", seq: 1, room: ""), backfill: false))
        c.handle(.delivered(said("bob", "in ops", seq: 2, room: "#ops"), backfill: false))
        c.handle(.delivered(said("bob", "in dev", seq: 3, room: "#dev"), backfill: false))
        #expect(windowText(0).contains { $0.hasSuffix("<bob> in the lobby") })
        #expect(!windowText(0).contains { $0.contains("in ops") || $0.contains("in dev") })
        #expect(windowText(1).contains { $0.hasSuffix("<bob> in ops") })
        #expect(!windowText(1).contains { $0.contains("in the lobby") || $0.contains("in dev") })
    }

    /// A line in another window is activity there (`*` when it names you),
    /// shown as `[act: 2*]`; going there clears it and shows the read
    /// marker above the new lines; a window you left without news shows
    /// no marker on return.
    @Test func activityAndReadMarkerPerWindow() {
        c.handle(.status(status(holder: Self.bob)))
        type("/join #ops")
        c.handle(.delivered(said("bob", "seen in ops", seq: 1, room: "#ops"), backfill: false))
        type("/join #dev")
        alt("1")
        #expect(!statusBar().contains("act"), "\(statusBar())")
        c.handle(.delivered(said("bob", "news in ops", seq: 2, room: "#ops"), backfill: false))
        #expect(statusBar().contains("[act: 2]"), "\(statusBar())")
        c.handle(.delivered(said("bob", "alice: in dev", seq: 3, room: "#dev"), backfill: false))
        #expect(statusBar().contains("[1:#lobby] [act: 2,3*]"), "\(statusBar())")
        alt("2")
        #expect(statusBar().contains("[2:#ops] [act: 3*]"), "\(statusBar())")
        let ops = windowText(1)
        let marker = ops.firstIndex { $0.contains(PaneEntry<Slot>.markerText) }
        let seen = ops.firstIndex { $0.hasSuffix("seen in ops") }, news = ops.firstIndex { $0.hasSuffix("news in ops") }
        #expect(marker != nil && seen! < marker! && marker! < news!, "\(ops)")
        alt("3")
        #expect(!statusBar().contains("act"), "\(statusBar())")
        // Back to the lobby, where nothing happened: no marker left there.
        alt("1")
        #expect(!windowText(0).contains { $0.contains(PaneEntry<Slot>.markerText) }, "\(windowText(0))")
    }

    @Test func partClosesTheWindowNotTheLobby() {
        type("/join #a,#b")
        type("/part")
        #expect(backend.rooms == ["#a"])
        #expect(c.windows.windows.map(\.name) == ["#lobby", "#a"] && c.windows.currentNumber == 2)
        #expect(paneText().last?.contains("you left #b") == true)
        alt("1")
        type("/part")
        #expect(paneText().last?.contains("#lobby is every node's room") == true)
        type("/part #a")
        #expect(backend.rooms.isEmpty && c.windows.count == 1)
        // Lines of a room left are not shown any more.
        c.handle(.delivered(said("bob", "after the part", seq: 1, room: "#a"), backfill: false))
        #expect(!paneText().contains { $0.contains("after the part") })
    }

    @Test func windowCommandAndAltKeys() {
        type("/join #a,#b")
        type("/window 1")
        #expect(c.windows.currentNumber == 1)
        alt("3")
        #expect(c.windows.currentNumber == 3)
        alt("9")
        #expect(c.windows.currentNumber == 3)
        #expect(paneText().last?.contains("no window 9: 3 open") == true, "\(paneText().last ?? "")")
        type("/window two")
        #expect(paneText().last?.contains("usage: /window N") == true)
        // Alt-B still moves by word.
        type("one two", enter: false)
        alt("b")
        #expect(c.input.editor.cursor == 4)
    }

    @Test func listShowsRoomsWithMembersAndWindows() {
        backend.othersInRooms = ["#ops": 2, "#dev": 1]
        type("/join #ops")
        type("/list")
        let lines = paneText().suffix(4)
        #expect(lines.contains { $0.hasSuffix("#lobby  3 members (window 1)") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix("#dev  1 member") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix("#ops  3 members (window 2)") }, "\(lines)")
    }

    /// The rooms the node is in at start (checkpoint, `--join`) get windows
    /// without switching, filled with their history.
    @Test func roomsOfTheStatusGetWindowsWithHistory() {
        backend.messages = [said("bob", "old in ops", seq: 1, room: "#ops"), said("bob", "old in lobby", seq: 2, room: "")]
        c.handle(.restored(RestoreReport(checkpoint: 1, checkpointMessages: 2, replayed: 0, outbox: 0, incarnation: 2, draft: "", warnings: [])))
        var s = status(holder: Self.bob)
        s.rooms = ["#ops"]
        c.handle(.status(s))
        #expect(c.windows.currentNumber == 1 && c.windows.windows.map(\.name) == ["#lobby", "#ops"])
        #expect(windowText(0).contains { $0.hasSuffix("old in lobby") } && !windowText(0).contains { $0.contains("old in ops") })
        #expect(windowText(1).contains { $0.hasSuffix("<bob> old in ops") } && !windowText(1).contains { $0.contains("old in lobby") })
    }

    /// Joining shows the room's recent history, and only its own.
    @Test func joiningShowsTheRoomsHistory() {
        backend.messages = (1...6).map { said("bob", "line \($0)", seq: UInt64($0), room: $0 % 2 == 0 ? "#ops" : "") }
        type("/join #ops")
        let text = paneText()
        #expect(text.filter { $0.contains("<bob> line") }.map { String($0.suffix(6)) } == ["line 2", "line 4", "line 6"], "\(text)")
    }

    /// PgUp in a room's window reads history back page after page, through
    /// pages that hold none of its lines, to the room's first line; no
    /// other room's line gets in.
    @Test func scrollBackInARoomReadsOnToItsFirstLine() {
        c.paneSize = (160, 10)
        backend.messages = (1...6_000).map { i in
            said("bob", "line \(i)", seq: UInt64(i), room: i % 500 == 7 ? "#ops" : "")
        }
        type("/join #ops")
        let shown = { c.pane.entries.compactMap { e -> String? in
            if case .chat(_, let text, _) = e.kind { return text } else { return nil } } }
        // The newest 2,000 lines of history hold 4 of #ops's.
        #expect(shown() == ["line 4007", "line 4507", "line 5007", "line 5507"], "\(shown())")
        for _ in 0..<20 { c.handle(keys: [.pageUp], at: clock.mono) }
        #expect(shown() == stride(from: 7, through: 5507, by: 500).map { "line \($0)" }, "\(shown())")
    }

    /// `/search` in a window finds that room's lines, reading on through
    /// pages that hold none of them.
    @Test func searchIsPerWindow() {
        backend.messages = [said("bob", "the needle in ops", seq: 1, room: "#ops")]
            + (2...450).map { said("bob", "needle \($0) in the lobby", seq: UInt64($0), room: "") }
        type("/join #ops")
        type("/search needle")
        #expect(c.search?.view.hits.map(\.message.text) == ["the needle in ops"])
        c.handle(keys: [.escape], at: clock.mono)
        alt("1")
        type("/search needle")
        let lobby = c.search?.view.hits ?? []
        #expect(lobby.count == ChatController.searchPage && lobby.allSatisfy { $0.message.room == "" })
    }

    // MARK: private messages

    @Test func msgSendsPrivatelyAndOpensTheWindowWithoutSwitching() {
        backend.peers = ["bob": Self.bob]
        type("/msg bob the secret is 42")
        #expect(backend.privates.map(\.text) == ["the secret is 42"] && backend.typed.isEmpty)
        #expect(c.windows.currentNumber == 1 && c.windows.windows.map(\.name) == ["#lobby", "bob"])
        #expect(paneText().last?.contains("private message to bob: in window 2 (Alt-2)") == true)
        type("/msg dave hi")
        #expect(paneText().last?.contains("no one called dave") == true)
        type("/msg bob")
        #expect(paneText().last?.contains("usage: /msg NICK TEXT") == true)
    }

    /// In a query window typed lines (and pastes) go to the peer alone; a
    /// delivered private line lands there, counts as a mention elsewhere.
    @Test func queryWindowTalksToItsPeer() {
        backend.peers = ["bob": Self.bob]
        c.handle(.status(status(holder: Self.bob)))
        type("/query bob")
        #expect(c.windows.current.name == "bob" && c.windows.current.peer == Self.bob)
        type("just between us")
        c.handle(keys: [.pasteStart] + "one\ntwo\n".map { $0 == "\n" ? KeyEvent.enter : .character($0) } + [.pasteEnd], at: clock.mono)
        #expect(backend.privates.map(\.text) == ["just between us", "one", "two"] && backend.typed.isEmpty)
        type("/me waves")
        #expect(paneText().last?.contains("/me is not sent privately") == true)
        let mine = said("alice", "just between us", seq: 1, room: RoomName.address(of: Self.bob), from: Self.me, kind: .private)
        c.handle(.delivered(mine, backfill: false))
        alt("1")
        let theirs = said("bob", "sure", seq: 2, room: RoomName.address(of: Self.me), kind: .private)
        c.handle(.delivered(theirs, backfill: false))
        #expect(statusBar().contains("[act: 2*]"), "\(statusBar())")
        #expect(!windowText(0).contains { $0.contains("between us") || $0.contains("sure") })
        #expect(windowText(1).contains { $0.hasSuffix("<alice> just between us") } && windowText(1).contains { $0.hasSuffix("<bob> sure") })
    }

    /// A private message with no window yet opens one named after its sender.
    @Test func anIncomingPrivateMessageOpensItsWindow() {
        var bells = 0
        c.onBell = { bells += 1 }
        let m = said("carol", "psst", seq: 1, room: RoomName.address(of: Self.me), from: Self.server, kind: .private)
        c.handle(.delivered(m, backfill: false))
        #expect(c.windows.windows.map(\.name) == ["#lobby", "carol"] && c.windows.currentNumber == 1)
        #expect(windowText(1).contains { $0.hasSuffix("<carol> psst") })
        #expect(bells == 1 && statusBar().contains("[act: 2*]"))
        // Marked, not highlighted: in a query window every line would be.
        #expect(c.windows[1].pane.entries.last?.mention == false)
        // Another pair's private line is on no screen but theirs.
        let other = said("carol", "not for you", seq: 2, room: RoomName.address(of: Self.bob), from: Self.server, kind: .private)
        c.handle(.delivered(other, backfill: false))
        #expect(c.windows.count == 2 && !windowText(1).contains { $0.contains("not for you") })
    }

    @Test func queryAndWhoisRefusals() {
        c.handle(.status(status(holder: Self.bob)))
        type("/query alice")
        #expect(paneText().last?.contains("alice is you") == true)
        type("/query zed")
        #expect(paneText().last?.contains("no one called zed has been seen") == true)
        type("/query bob")
        #expect(c.windows.current.name == "bob")
        type("/part")
        #expect(c.windows.count == 1 && paneText().last?.contains("closed the window with bob") == true)
        backend.peers = ["bob": Self.bob]
        type("/whois bob")
        #expect(paneText().last?.contains("bob is node \(Self.bob.hex)") == true)
    }
}
