import Testing
@testable import RingChatCore
import RingChatIO
import RingChatSession
@testable import RingChatTUI

/// The chat screen's logic against a fake node: keys and host events in,
/// backend calls and frames out. No terminal, no socket, a manual clock.
@Suite struct ChatControllerTests {
    static let me = NodeID(0xA1)
    static let bob = NodeID(0xB2)
    static let server = NodeID(0xC3)
    static let ring = RingID(epoch: 7, creator: NodeID(0xA1), incarnation: 1)

    final class FakeBackend: ChatBackend {
        var typed: [(String, MessageKind)] = []
        var checkpoints = 0
        var crashes = 0
        var nicks: [String] = []
        var draft = ""
        var messages: [ChatMessage] = []
        var nodeID: NodeID? = ChatControllerTests.me
        /// What the host does inside simulateCrash: emit `.restored`.
        var onCrash: (() -> Void)?

        /// The room of each typed line, in step with `typed`.
        var typedRooms: [String] = []
        /// Rooms joined (`join`), and the others' memberships for `roomList`.
        var rooms: [String] = []
        var othersInRooms: [String: Int] = [:]
        /// Peers `sendPrivate` can reach, by nick; `/msg` to any other is refused.
        var peers: [String: NodeID] = [:]
        var privates: [(nick: String, text: String)] = []

        func type(_ text: String, kind: MessageKind, room: String) {
            typed.append((text, kind))
            typedRooms.append(room)
        }
        func type(lines: [String], kind: MessageKind, room: String) {
            for l in lines { type(l, kind: kind, room: room) }
            batches.append(lines.count)
        }
        func join(_ room: String) -> Bool {
            guard rooms.count < RoomName.maxAnnounced else { return false }
            if !rooms.contains(room) { rooms.append(room) }
            return true
        }
        func part(_ room: String) -> Bool {
            guard rooms.contains(room) else { return false }
            rooms.removeAll { $0 == room }
            return true
        }
        var roomList: [(room: String, members: Int)] {
            let all = Set(rooms).union(othersInRooms.keys).sorted()
            return [(RoomName.lobby, 3)] + all.map { ($0, (rooms.contains($0) ? 1 : 0) + (othersInRooms[$0] ?? 0)) }
        }
        func sendPrivate(to nick: String, text: String) -> PrivateSendResult {
            guard let id = peers[nick] else { return .refused("no one called \(nick) has been seen on the ring") }
            privates.append((nick, text))
            return .sent(to: id, nick: nick)
        }
        func whois(_ nick: String) -> [String] { peers[nick].map { ["\(nick) is node \($0.hex)"] } ?? ["\(nick): never seen"] }
        func peerNick(_ id: NodeID) -> String? { peers.first { $0.value == id }?.key }
        /// Lines holding every word (any case), newest first; offsets are seqs.
        func search(_ query: SearchQuery, before: Int?, limit: Int, answer: @escaping (SearchAnswer) -> Void) {
            let hits = messages.reversed().filter { m in
                Int(m.slot.seq) < (before ?? .max) && query.words.allSatisfy { m.text.lowercased().contains($0.lowercased()) }
            }.prefix(limit).map { SearchHit(offset: Int($0.slot.seq), message: $0) }
            answer(SearchAnswer(query: query, hits: Array(hits), limit: limit, indexedLines: messages.count, building: false, micros: 1))
        }
        var batches: [Int] = []
        func checkpoint() { checkpoints += 1 }
        func simulateCrash() throws { crashes += 1; onCrash?() }
        func setNick(_ nick: String) { nicks.append(nick) }
        func history(before slot: Slot?, limit: Int) -> [ChatMessage] {
            Array(messages.filter { m in slot.map { m.slot < $0 } ?? true }.suffix(limit))
        }
        func history(after slot: Slot, limit: Int) -> [ChatMessage] {
            Array(messages.filter { $0.slot > slot }.prefix(limit))
        }
    }

    final class Clock {
        var mono = Instant.milliseconds(1_000)
        var wall: Int64 = 1_700_000_000_000
        func advance(_ ms: Int64) { mono = mono + .milliseconds(ms); wall += ms }
    }

    let backend = FakeBackend()
    let clock = Clock()
    let c: ChatController

    init() {
        let clock = self.clock
        c = ChatController(backend: backend, nick: "alice",
                           faults: FaultSpec(delayMin: .milliseconds(20), delayMax: .milliseconds(300)),
                           monotonic: { clock.mono }, wall: { clock.wall })
        c.paneSize = (160, 10)
    }

    // MARK: helpers

    func type(_ s: String, enter: Bool = true) {
        var keys = s.map { KeyEvent.character($0) }
        if enter { keys.append(.enter) }
        c.handle(keys: keys, at: clock.mono)
    }

    func message(_ nick: String, _ text: String, seq: UInt64, from origin: NodeID = bob, kind: MessageKind = .text) -> ChatMessage {
        ChatMessage(id: MessageID(origin: origin, incarnation: 1, counter: UInt32(seq)), nick: nick, text: text, kind: kind,
                    slot: Slot(ring: Self.ring, seq: seq), timestamp: clock.wall)
    }

    func status(holder: NodeID? = nil, lag: Int = 0, members: [(NodeID, String)]? = nil, checkpoint: UInt64? = nil,
                checkpointAt: Int64 = 0) -> NodeStatus {
        let ms = (members ?? [(Self.me, "alice"), (Self.bob, "bob"), (Self.server, "server")])
            .map { NodeStatus.Member(id: $0.0, nick: $0.1, lag: 0) }
        return NodeStatus(node: Self.me, nick: "alice", ring: Self.ring, holder: holder, members: ms, lag: lag, queued: 0,
                          lastCheckpoint: checkpoint.map { .init(number: $0, takenAt: checkpointAt, replicaCount: 5) })
    }

    func frameText() -> [String] { c.frame().textRows(paneHeight: c.paneSize.height) }
    func paneText() -> [String] { c.pane.entries.indices.flatMap { c.pane.rows(of: $0, width: 1000).map(\.text) } }
    func statusBar() -> String { c.frame().status.map(\.text).joined() }

    // MARK: keys and commands

    @Test func enterSendsTextAndActions() {
        type("hello ação 日本語 🎉")
        type("/me waves")
        #expect(backend.typed.map(\.0) == ["hello ação 日本語 🎉", "waves"])
        #expect(backend.typed.map(\.1) == [.text, .action])
        #expect(c.input.editor.isEmpty)
    }

    @Test func unknownCommandIsAnErrorLineNotAMessage() {
        type("/nikc bob")
        #expect(backend.typed.isEmpty)
        #expect(paneText().last?.contains("unknown command /nikc: not sent") == true)
        type("//nikc is how you spell it")
        #expect(backend.typed.map(\.0) == ["/nikc is how you spell it"])
    }

    @Test func nickWhoHelpAndQuit() {
        type("/nick bobby")
        #expect(backend.nicks == ["bobby"])
        c.handle(.status(status(holder: Self.bob)))
        type("/who")
        let who = paneText().suffix(5)
        #expect(who.first?.contains("ring 7@00a1: 3 members in token order; bob holds the token") == true, "\(who)")
        #expect(who.contains { $0.contains("1. alice") && $0.contains("(you)") })
        #expect(who.contains { $0.contains("2. bob") && $0.contains("(token)") })
        #expect(paneText().last?.contains("group open (no --key-file)") == true, "\(paneText().suffix(2))")
        type("/help")
        #expect(paneText().contains { $0.contains("/checkpoint") })
        #expect(c.exitStatus == nil)
        c.handle(keys: [.ctrl("d")], at: clock.mono)
        #expect(c.exitStatus == 0)
    }

    @Test func f2AsksForACheckpointAndReportsIt() {
        type("half a thought", enter: false)
        c.handle(keys: [.f(2)], at: clock.mono)
        #expect(backend.checkpoints == 1)
        // The draft goes into the checkpoint.
        #expect(backend.draft == "half a thought")
        let cp = Checkpoint(number: 4, node: Self.me, incarnation: 1, takenAt: clock.wall, nick: "alice", replicaCount: 12,
                            lastDelivered: nil, outbox: [], ring: Self.ring, members: [], highestEpoch: 7, draft: backend.draft)
        c.handle(.checkpointWritten(cp))
        #expect(paneText().last?.contains("checkpoint #4 written: 12 replica lines, 0 unsent, your draft") == true)
        // Periodic checkpoints do not print lines.
        let before = c.pane.count
        c.handle(.checkpointWritten(cp))
        #expect(c.pane.count == before)
    }

    // MARK: messages

    @Test func lateMessagesLandAtTheirSlot() {
        c.handle(.delivered(message("bob", "second", seq: 2), backfill: false))
        c.handle(.delivered(message("bob", "first", seq: 1), backfill: true))
        c.handle(.delivered(message("bob", "second", seq: 2), backfill: false))   // a replay: no duplicate
        #expect(paneText().map { String($0.dropFirst(6)) } == ["<bob> first", "<bob> second"])
    }

    @Test func hostileNickAndTextAreShownInCaretNotation() {
        let evil = "\u{1B}[2J\u{1B}]0;owned\u{07}"
        c.handle(.delivered(message(evil, "hi \(evil)", seq: 1), backfill: false))
        let rows = frameText()
        #expect(rows.contains { $0.hasSuffix("<^[[2J^[]0;owned^G> hi ^[[2J^[]0;owned^G") }, "\(rows)")
        #expect(!rows.joined().unicodeScalars.contains { $0.value < 0x20 })
    }

    // MARK: token log

    /// The conversation tells your send in one line, rewritten in place:
    /// the request (once per wait), the grant that answers it with the
    /// wait, the seq it went out as. Passes, other nodes' holds and the
    /// ring's own events (lost, regenerated, moved) are only in F3.
    @Test func conversationKeepsTheTokenEventsThatMatter() {
        c.handle(.status(status(holder: Self.bob)))
        type("hi")
        c.handle(.token(.requested(queued: 1)))
        clock.advance(5)
        c.handle(.token(.requested(queued: 1)))   // re-request: no second line
        clock.advance(7)
        #expect(tokenLines() == ["token requested (1 queued)…"])
        c.handle(.token(.granted(ring: Self.ring, hop: 40, from: Self.bob)))
        #expect(tokenLines() == ["token requested (1 queued) → granted from bob after 12 ms…"])
        c.handle(.token(.sent(ring: Self.ring, seqs: 9...9)))
        c.handle(.token(.passed(ring: Self.ring, hop: 41, to: Self.server)))
        c.handle(.token(.holderChanged(Self.server)))
        c.handle(.token(.granted(ring: Self.ring, hop: 44, from: Self.server)))   // unasked: a pass like any other
        c.handle(.token(.successorSilent(Self.server)))
        c.handle(.token(.lost(ring: Self.ring)))
        c.handle(.token(.regenerated(ring: Self.ring)))
        c.handle(.token(.ringChanged(old: Self.ring, new: Self.ring)))
        #expect(tokenLines() == ["token requested (1 queued) → granted from bob after 12 ms → sent as seq 9"])
        #expect(!paneText().contains { $0.contains("ring 7@00a1") || $0.contains("did not take") })
        // Typed while holding the token: one line, nothing asked.
        c.handle(.token(.sent(ring: Self.ring, seqs: 10...11)))
        #expect(tokenLines().last == "sent 2 lines as seq 10-11 (you held the token)")
        // More in the same visit (a paste, line by line): the same line.
        c.handle(.token(.sent(ring: Self.ring, seqs: 12...12)))
        #expect(tokenLines().last == "sent 3 lines as seq 10-12 (you held the token)")
        c.handle(.token(.passed(ring: Self.ring, hop: 45, to: Self.bob)))
        c.handle(.token(.sent(ring: Self.ring, seqs: 13...13)))
        #expect(tokenLines().suffix(2) == ["sent 3 lines as seq 10-12 (you held the token)", "sent 1 line as seq 13 (you held the token)"])
        // F3 has the whole story.
        c.handle(keys: [.f(3)], at: clock.mono)
        let log = frameText().joined(separator: "\n")
        #expect(log.contains("server did not take the token") && log.contains("token regenerated") && log.contains("moved from ring"))
    }

    private func tokenLines() -> [String] { paneText().filter { $0.contains("-·-") }.map { String($0.dropFirst(10)) } }

    @Test func f3ShowsTheFullTokenLogAndComesBack() {
        c.handle(.status(status(holder: Self.bob)))
        c.handle(.delivered(message("bob", "a chat line", seq: 1), backfill: false))
        c.handle(.token(.holderChanged(Self.server)))
        c.handle(.token(.granted(ring: Self.ring, hop: 44, from: Self.server)))
        c.handle(.token(.passed(ring: Self.ring, hop: 44, to: Self.bob)))
        c.handle(.token(.holderChanged(Self.bob)))
        #expect(!frameText().contains { $0.contains("holds the token") })
        c.handle(keys: [.f(3)], at: clock.mono)
        var rows = frameText().map { String($0.dropFirst(6)) }
        #expect(rows.contains("-·- ▸ server holds the token"), "\(rows)")
        #expect(rows.contains("-·- ▸ you hold the token: granted from server (ring 7@00a1, hop 44)"))
        #expect(rows.contains("-·- you passed the token to bob (hop 44)"))
        #expect(rows.contains("-·- ▸ bob holds the token"))
        #expect(!rows.contains { $0.contains("a chat line") })
        #expect(statusBar().contains("[token log: F3 back]"))
        // It keeps filling while shown.
        c.handle(.token(.holderChanged(Self.server)))
        rows = frameText().map { String($0.dropFirst(6)) }
        #expect(rows.filter { $0 == "-·- ▸ server holds the token" }.count == 2)
        c.handle(keys: [.f(3)], at: clock.mono)
        #expect(frameText().contains { $0.hasSuffix("<bob> a chat line") })
        #expect(!statusBar().contains("token log"))
        // A line typed from the log view is seen going out: back to the chat.
        c.handle(keys: [.f(3)], at: clock.mono)
        type("from the log view")
        #expect(!statusBar().contains("token log"))
        #expect(backend.typed.map(\.0) == ["from the log view"])
    }

    // MARK: status bar

    @Test func statusBarShowsHolderLagCheckpointAndDelay() {
        c.handle(.status(status(holder: Self.me, lag: 3, checkpoint: 12, checkpointAt: clock.wall - 4_000)))
        #expect(statusBar().hasPrefix("[alice] [1:#lobby] [ring: ▸alice◂(lag 3) bob server] [lag 3] [ckpt #12 4s ago] [open] [delay 20-300ms]"),
                "\(statusBar())")
        c.handle(.status(status(holder: Self.bob, lag: 0, checkpoint: 12, checkpointAt: clock.wall - 4_000)))
        #expect(statusBar().contains("[ring: alice ▸bob◂ server]"))
        // The age moves on with the clock; the tick redraws for it.
        c.didDraw()
        clock.advance(1_000)
        c.tick()
        #expect(c.dirty)
        #expect(statusBar().contains("[ckpt #12 5s ago]"))
        // Nothing changed: no redraw.
        c.didDraw()
        c.tick()
        #expect(!c.dirty)
    }

    /// A keyed group says so on the status bar and in /who, with the key's
    /// fingerprint (safe to compare aloud), never the key.
    @Test func aKeyedGroupSaysSo() {
        let clock = self.clock
        let keyed = ChatController(backend: backend, nick: "alice", key: "04395e07",
                                   monotonic: { clock.mono }, wall: { clock.wall })
        keyed.paneSize = (160, 10)
        keyed.handle(.status(status(holder: Self.bob)))
        let bar = keyed.frame().status.map(\.text).joined()
        #expect(bar.contains("[keyed]") && !bar.contains("[open]"), "\(bar)")
        keyed.handle(keys: "/who".map { KeyEvent.character($0) } + [.enter], at: clock.mono)
        let text = keyed.pane.entries.indices.flatMap { keyed.pane.rows(of: $0, width: 1000).map(\.text) }
        #expect(text.last?.contains("group keyed (key 04395e07): packets encrypted and authenticated") == true, "\(text.suffix(2))")
    }

    @Test func narrowStatusBarKeepsTheImportantItems() {
        c.paneSize = (40, 10)
        c.handle(.status(status(holder: Self.me, lag: 3, checkpoint: 12, checkpointAt: clock.wall)))
        #expect(statusBar() == "[alice] [▸alice◂ 1/3] [lag 3] [ck#12 0s]")
    }

    // MARK: crash and restore

    func report(checkpoint: UInt64? = 3, messages: Int = 10, replayed: Int = 2, outbox: Int = 0) -> RestoreReport {
        RestoreReport(checkpoint: checkpoint, checkpointMessages: messages, replayed: replayed, outbox: outbox,
                      incarnation: 5, draft: backend.draft, warnings: [])
    }

    @Test func f9ShowsTheRestoreAndTheCatchUpAndKeepsTheDraft() {
        c.handle(.status(status(holder: Self.bob)))
        c.handle(.delivered(message("bob", "before", seq: 1), backfill: false))
        type("not sent yet", enter: false)
        backend.onCrash = { [c, backend] in
            c.handle(.restored(RestoreReport(checkpoint: 3, checkpointMessages: 10, replayed: 2, outbox: 1,
                                             incarnation: 5, draft: backend.draft, warnings: [])))
        }
        c.handle(keys: [.f(9)], at: clock.mono)
        #expect(backend.crashes == 1)
        #expect(c.input.editor.text == "not sent yet")
        #expect(backend.draft == "not sent yet")
        var lines = paneText().map { String($0.dropFirst(6)) }
        #expect(lines.contains("-!- crash simulated (F9): in-memory state dropped"))
        #expect(lines.contains("-!- restored checkpoint #3 (10 messages) + replayed 2 from the replica; catching up from peers…"))
        #expect(lines.contains("-!- 1 unsent line recovered from the checkpoint: sent with the next token"))
        #expect(lines.contains("<bob> before"))
        #expect(!lines.contains { $0.contains("caught up") })

        // Peers are heard, the lag shows, then the gap is filled.
        clock.advance(300)
        c.handle(.status(status(holder: Self.bob, lag: 2)))
        c.handle(.delivered(message("bob", "missed 1", seq: 2), backfill: true))
        c.handle(.delivered(message("bob", "missed 2", seq: 3), backfill: true))
        #expect(!paneText().contains { $0.contains("caught up") })
        #expect(statusBar().contains("[lag 2]"))
        clock.advance(300)
        c.handle(.status(status(holder: Self.bob, lag: 0)))
        // A message counted as held may still be on its way out of the
        // hold-back queue: not yet.
        #expect(!paneText().contains { $0.contains("caught up") })
        c.handle(.delivered(message("bob", "missed 3", seq: 4), backfill: true))
        clock.advance(500)
        c.tick()
        #expect(!paneText().contains { $0.contains("caught up") })
        clock.advance(200)
        c.tick()
        lines = paneText().map { String($0.dropFirst(6)) }
        #expect(lines.last == "-!- caught up: lag 0, 3 messages fetched from peers since the restore")
        #expect(statusBar().contains("[lag 0]"))
        // Nobody left or joined: the peers reappearing are not news.
        #expect(!lines.contains { $0.contains(" left") || $0.contains("is back") || $0.contains("in the ring with you") })
        #expect(lines.filter { $0.contains("joined") } == ["-!- bob and server joined (3 members)"])
    }

    @Test func catchUpWithNothingMissingSettlesOnItsOwn() {
        backend.onCrash = { [c] in c.handle(.restored(RestoreReport(checkpoint: nil, checkpointMessages: 0, replayed: 4, outbox: 0, incarnation: 2, draft: "", warnings: []))) }
        c.handle(keys: [.f(9)], at: clock.mono)
        #expect(paneText().contains { $0.contains("no checkpoint to restore + replayed 4 from the replica") })
        c.handle(.status(status(holder: Self.bob, lag: 0)))
        clock.advance(1_500)
        c.tick()
        #expect(!paneText().contains { $0.contains("caught up") }, "a lag of 0 believed before the peers' digests could arrive")
        clock.advance(600)
        c.tick()
        #expect(paneText().contains { $0.hasSuffix("caught up: lag 0, 0 messages fetched from peers since the restore") })
    }

    @Test func startupLoadsTheReplicaAndTheDraft() {
        backend.messages = [message("bob", "old 1", seq: 1), message("alice", "old 2", seq: 2, from: Self.me)]
        backend.draft = "from the checkpoint"
        c.handle(.restored(report(checkpoint: 2, messages: 2, replayed: 0)))
        #expect(c.input.editor.text == "from the checkpoint")
        let lines = paneText().map { String($0.dropFirst(6)) }
        #expect(Array(lines.prefix(2)) == ["<bob> old 1", "<alice> old 2"])
        #expect(lines.contains("-!- welcome back: 2 earlier messages (checkpoint #2 + 0 later from disk); catching up from peers…"))
        // A restart has missed what was said meanwhile: the screen says when
        // the peers have filled it in.
        c.handle(.status(status(holder: Self.bob, lag: 1)))
        c.handle(.delivered(message("bob", "said while down", seq: 3), backfill: false))
        c.handle(.status(status(holder: Self.bob, lag: 0)))
        clock.advance(1_000)
        c.tick()
        #expect(paneText().last?.hasSuffix("-!- caught up: lag 0, 1 message fetched from peers since the restore") == true)
    }

    @Test func aFirstStartHasNothingToCatchUp() {
        c.handle(.restored(report(checkpoint: nil, messages: 0, replayed: 0)))
        c.handle(.status(status(holder: Self.bob, lag: 0)))
        clock.advance(5_000)
        c.tick()
        let lines = paneText().map { String($0.dropFirst(6)) }
        #expect(lines.first == "-!- first start here: no history yet")
        // The peers heard in the first seconds: one line, not one each.
        #expect(lines.filter { $0.contains("bob") } == ["-!- in the ring with you: bob and server (3 members)"])
        #expect(!lines.contains { $0.contains("catching up") || $0.contains("caught up") })
    }

    // MARK: members

    @Test func joinsLeavesAndNickChanges() {
        var t = MemberTracker()
        let now = Instant.milliseconds(0)
        let a = (Self.me, "alice"), b = (Self.bob, "bob"), s = (Self.server, "server")
        #expect(t.update(status(members: [a]), now: now).isEmpty)
        #expect(t.update(status(members: [a, (Self.bob, "?")]), now: now).isEmpty)   // nick not heard yet
        #expect(t.update(status(members: [a, b]), now: now) == ["bob joined (2 members)"])
        #expect(t.update(status(members: [a, (Self.bob, "robert")]), now: now) == ["bob is now known as robert"])
        #expect(t.update(status(members: [a, (Self.bob, "robert"), s]), now: now) == ["server joined (3 members)"])
        // A restart: everyone missing for a moment is not a departure...
        t.quietLeaves(until: now + .seconds(2))
        #expect(t.update(status(members: [a]), now: now + .milliseconds(100)).isEmpty)
        #expect(t.update(status(members: [a, (Self.bob, "robert")]), now: now + .milliseconds(300)).isEmpty)
        // ...but one still missing after the quiet time is.
        #expect(t.update(status(members: [a, (Self.bob, "robert")]), now: now + .seconds(3)) == ["server left (2 members)"])
        // A member missing for less than the grace (a ring re-forming) was
        // never gone; one missing longer has left, even with no new list.
        let later = now + .seconds(10)
        #expect(t.update(status(members: [a, (Self.bob, "robert"), s]), now: later) == ["server is back (3 members)"])
        #expect(t.update(status(members: [a, s]), now: later + .milliseconds(100)).isEmpty)
        #expect(t.update(status(members: [a, (Self.bob, "robert"), s]), now: later + .milliseconds(1_500)).isEmpty)
        #expect(t.update(status(members: [a, s]), now: later + .seconds(3)).isEmpty)
        #expect(t.update(status(members: [a, s]), now: later + .seconds(4)).isEmpty)
        #expect(t.update(status(members: [a, s]), now: later + .seconds(5)) == ["robert left (2 members)"])
    }

    // MARK: frame

    @Test func frameHasPromptInputAndExactWidths() {
        type("ação 日本語 🎉", enter: false)
        let f = c.frame()
        #expect(f.prompt.map(\.text).joined() == "[alice] ")
        #expect(f.input.text == "ação 日本語 🎉")
        #expect(f.input.cursorColumn == 14)
        #expect(DisplayWidth.of(f.status.map(\.text).joined()) == 160)
        c.handle(.delivered(message("bob", String(repeating: "日本語 ", count: 30), seq: 1), backfill: false))
        for row in c.frame().paneRows { #expect(row.width <= 160) }
    }
}
