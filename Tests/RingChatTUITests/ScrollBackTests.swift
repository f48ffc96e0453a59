import Testing
@testable import RingChatCore
import RingChatIO
import RingChatSession
@testable import RingChatTUI

/// The pane is a window over a replica much longer than it: PgUp reads
/// older pages back, all the way to the first message, and PgDn and typing
/// come back to the live end, the pane never holding more than its capacity.
@Suite struct ScrollBackTests {
    static let ring = RingID(epoch: 1, creator: NodeID(0xA1), incarnation: 1)

    final class Backend: RoomlessBackend {
        var messages: [ChatMessage]
        var typed: [String] = []
        var draft = ""
        var nodeID: NodeID? = NodeID(0xA1)
        init(_ n: Int) {
            messages = (1...n).map { i in
                ChatMessage(id: MessageID(origin: NodeID(0xB2), incarnation: 1, counter: UInt32(i)), nick: "bob", text: "line \(i)",
                            slot: Slot(ring: ScrollBackTests.ring, seq: UInt64(i)), timestamp: 1_700_000_000_000)
            }
        }
        func type(_ text: String, kind: MessageKind, room: String) { typed.append(text) }
        func type(lines: [String], kind: MessageKind, room: String) { typed += lines }
        func checkpoint() {}
        func simulateCrash() throws {}
        func setNick(_ nick: String) {}
        func history(before slot: Slot?, limit: Int) -> [ChatMessage] {
            Array(messages.filter { m in slot.map { m.slot < $0 } ?? true }.suffix(limit))
        }
        func history(after slot: Slot, limit: Int) -> [ChatMessage] {
            Array(messages.filter { $0.slot > slot }.prefix(limit))
        }
    }

    /// Answers pages when told to, as the real host does from its reader
    /// thread: the key handler never waits for one.
    final class LateBackend: RoomlessBackend {
        let inner: Backend
        var waiting: [() -> Void] = []
        init(_ n: Int) { inner = Backend(n) }
        var draft: String { get { inner.draft } set { inner.draft = newValue } }
        var nodeID: NodeID? { inner.nodeID }
        func type(_ text: String, kind: MessageKind, room: String) { inner.type(text, kind: kind, room: room) }
        func type(lines: [String], kind: MessageKind, room: String) { inner.type(lines: lines, kind: kind, room: room) }
        func checkpoint() {}
        func simulateCrash() throws {}
        func setNick(_ nick: String) {}
        func history(before slot: Slot?, limit: Int) -> [ChatMessage] { inner.history(before: slot, limit: limit) }
        func history(after slot: Slot, limit: Int) -> [ChatMessage] { inner.history(after: slot, limit: limit) }
        func readPage(_ page: HistoryPage, _ done: @escaping ([ChatMessage]) -> Void) {
            let inner = inner
            waiting.append {
                switch page {
                case .before(let s, let l): done(inner.history(before: s, limit: l))
                case .after(let s, let l): done(inner.history(after: s, limit: l))
                }
            }
        }
        func answerAll() {
            let w = waiting
            waiting = []
            for f in w { f() }
        }
    }

    @Test func pagesArriveLaterAndOnlyOneIsAskedAtATime() {
        let backend = LateBackend(3_000)
        let c = ChatController(backend: backend, nick: "alice", capacity: 700, monotonic: { .zero }, wall: { 1_700_000_000_000 })
        c.paneSize = (80, 20)
        c.handle(.restored(restored()))
        var presses = 0
        while backend.waiting.isEmpty && presses < 100 {
            c.handle(keys: [.pageUp], at: .zero)
            presses += 1
        }
        // (Leaving the live end added the read marker, which took the
        // oldest line's place in the pane.)
        let first = c.pane.firstKey
        #expect(backend.waiting.count == 1)
        for _ in 0..<5 { c.handle(keys: [.pageUp], at: .zero) }
        #expect(backend.waiting.count == 1, "one page at a time")
        #expect(c.pane.firstKey == first, "nothing read yet")
        backend.answerAll()
        #expect(c.pane.firstKey.map { k in first.map { k < $0 } ?? false } == true, "the older page is above")
        // A page that comes after the pane went back to the newest lines
        // (typing) is dropped.
        for _ in 0..<40 { c.handle(keys: [.pageUp], at: .zero) }
        c.handle(keys: "hi".map { KeyEvent.character($0) } + [.enter], at: .zero)
        #expect(c.pane.detached, "the newest lines are not read yet")
        backend.answerAll()
        #expect(visible(c).contains { $0.hasSuffix("line 3000") })
        #expect(!c.pane.detached)
        // A page asked before a restart is never answered: the next PgUp
        // asks again.
        for _ in 0..<40 { c.handle(keys: [.pageUp], at: .zero) }
        #expect(backend.waiting.count == 1)
        backend.waiting = []
        c.handle(.restored(restored()))
        for _ in 0..<40 { c.handle(keys: [.pageUp], at: .zero) }
        #expect(backend.waiting.count == 1)
    }

    func restored() -> RestoreReport {
        RestoreReport(checkpoint: 1, checkpointMessages: 3000, replayed: 0, outbox: 0, incarnation: 2, draft: "", warnings: [])
    }

    func visible(_ c: ChatController) -> [String] { c.frame().textRows(paneHeight: c.paneSize.height) }

    @Test func pageUpReachesTheFirstMessageAndBack() {
        let backend = Backend(3_000)
        let c = ChatController(backend: backend, nick: "alice", capacity: 700, monotonic: { .zero }, wall: { 1_700_000_000_000 })
        c.paneSize = (80, 20)
        c.handle(.restored(restored()))
        #expect(c.pane.count <= 700)
        #expect(visible(c).contains { $0.hasSuffix("line 3000") })
        var presses = 0
        while !visible(c).contains(where: { $0.hasSuffix("line 1") }) && presses < 1_000 {
            c.handle(keys: [.pageUp], at: .zero)
            presses += 1
            #expect(c.pane.count <= 700)
        }
        #expect(visible(c).contains { $0.hasSuffix("line 1") }, "PgUp reached the first message after \(presses) presses")
        #expect(c.pane.detached)
        // New lines while reading the start are not lost: they are read
        // back when the view gets there.
        backend.messages.append(ChatMessage(id: MessageID(origin: NodeID(0xB2), incarnation: 1, counter: 3001), nick: "bob",
                                            text: "line 3001", slot: Slot(ring: Self.ring, seq: 3001), timestamp: 0))
        c.handle(.delivered(backend.messages.last!, backfill: false))
        var downs = 0
        while c.pane.scrolledBack && downs < 1_000 {
            c.handle(keys: [.pageDown], at: .zero)
            downs += 1
            #expect(c.pane.count <= 700)
        }
        #expect(!c.pane.detached)
        #expect(visible(c).contains { $0.hasSuffix("line 3001") })
        // The rows seen on the way down are every line, in order, once.
        let texts = c.pane.entries.compactMap { e -> Int? in
            if case .chat(_, let t, _) = e.kind { return Int(t.dropFirst(5)) }
            return nil
        }
        #expect(texts == Array((3002 - texts.count)...3001))
    }

    @Test func typingWhileFarBackReturnsToTheNewestLines() {
        let backend = Backend(2_000)
        let c = ChatController(backend: backend, nick: "alice", capacity: 300, monotonic: { .zero }, wall: { 1_700_000_000_000 })
        c.paneSize = (80, 20)
        c.handle(.restored(restored()))
        for _ in 0..<100 { c.handle(keys: [.pageUp], at: .zero) }
        #expect(c.pane.detached)
        c.handle(keys: Array("hi".map { KeyEvent.character($0) }) + [.enter], at: .zero)
        #expect(backend.typed == ["hi"])
        #expect(!c.pane.detached && !c.pane.scrolledBack)
        #expect(visible(c).contains { $0.hasSuffix("line 2000") })
        #expect(c.pane.count <= 300)
    }
}
