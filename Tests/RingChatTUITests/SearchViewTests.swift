import Testing
@testable import RingChatCore
import RingChatIO
import RingChatSession
@testable import RingChatTUI

/// `/search WORDS`: the result view over the whole history, paging, Enter
/// in context, Esc back; the query never runs on the caller's turn (the
/// answer comes later, as from the search thread).
@Suite struct SearchViewTests {
    final class Backend: RoomlessBackend {
        let base = ScrollBackTests.Backend(5_000)
        var pending: [() -> Void] = []
        var asked: [(query: SearchQuery, before: Int?)] = []
        var draft = ""
        var nodeID: NodeID? { base.nodeID }
        func type(_ text: String, kind: MessageKind, room: String) { base.type(text, kind: kind, room: room) }
        func type(lines: [String], kind: MessageKind, room: String) { base.type(lines: lines, kind: kind, room: room) }
        func checkpoint() {}
        func simulateCrash() throws {}
        func setNick(_ nick: String) {}
        func history(before slot: Slot?, limit: Int) -> [ChatMessage] { base.history(before: slot, limit: limit) }
        func history(after slot: Slot, limit: Int) -> [ChatMessage] { base.history(after: slot, limit: limit) }
        /// "Offsets" are the seqs; lines whose number ends in the word.
        func search(_ query: SearchQuery, before: Int?, limit: Int, answer: @escaping (SearchAnswer) -> Void) {
            asked.append((query, before))
            let hits = base.messages.reversed().filter { m in
                Int(m.slot.seq) < (before ?? .max) && query.words.allSatisfy { m.text.hasSuffix($0) }
            }.prefix(limit).map { SearchHit(offset: Int($0.slot.seq), message: $0) }
            pending.append { answer(SearchAnswer(query: query, hits: Array(hits), limit: limit, indexedLines: 5_000, building: false, micros: 1_234)) }
        }
        func answerAll() { let p = pending; pending = []; p.forEach { $0() } }
    }

    func controller(_ b: Backend) -> ChatController {
        let c = ChatController(backend: b, nick: "alice", capacity: 1_000, monotonic: { .zero }, wall: { 1_700_000_000_000 })
        c.paneSize = (80, 20)
        c.handle(.restored(RestoreReport(checkpoint: 1, checkpointMessages: 5_000, replayed: 0, outbox: 0, incarnation: 2, draft: "", warnings: [])))
        return c
    }

    func visible(_ c: ChatController) -> [String] { c.frame().paneRows.map(\.text) }

    func type(_ c: ChatController, _ line: String) {
        c.handle(keys: line.map { KeyEvent.character($0) } + [.enter], at: .zero)
    }

    @Test func findsALineOutOfSightShowsItInContextAndComesBack() {
        let b = Backend()
        let c = controller(b)
        #expect(!visible(c).contains { $0.hasSuffix("line 17") })
        type(c, "/search 17")
        #expect(b.asked.count == 1 && b.pending.count == 1)
        #expect(visible(c).contains { $0.contains("searching…") })
        b.answerAll()
        let rows = visible(c)
        #expect(rows.first?.hasPrefix("search 17: 50 lines in 1.23 ms") == true, "\(rows.first ?? "")")
        #expect(rows.dropFirst().first?.hasSuffix("line 4917") == true)
        // Down to "line 17" (the 50th hit): older pages are read on the way.
        var presses = 0
        while !(visible(c).first { $0.hasPrefix("▸") }?.hasSuffix(" line 17") ?? false) && presses < 300 {
            c.handle(keys: [.down], at: .zero)
            b.answerAll()
            presses += 1
        }
        #expect(presses == 49, "\(visible(c))")
        #expect(b.asked.count == 1)
        c.handle(keys: [.enter], at: .zero)
        let ctx = visible(c)
        let at = ctx.firstIndex { $0.hasSuffix("<bob> line 17") }
        #expect(at != nil && ctx[at! - 1].contains("found by /search"), "\(ctx)")
        #expect(ctx.contains { $0.hasSuffix("line 10") } && ctx.contains { $0.hasSuffix("line 24") })
        // Scrolling the context reads the replica around it.
        for _ in 0..<3 { c.handle(keys: [.pageDown], at: .zero) }
        #expect(visible(c).contains { $0.hasSuffix("line 70") })
        c.handle(keys: [.escape], at: .zero)
        #expect(visible(c).first?.hasPrefix("search 17") == true)
        c.handle(keys: [.escape], at: .zero)
        #expect(c.search == nil)
        #expect(visible(c).contains { $0.hasSuffix("line 5000") })
    }

    @Test func pagingReadsOlderHitsOnce() {
        let b = Backend()
        let c = controller(b)
        type(c, "/lastlog 1")
        b.answerAll()
        #expect(visible(c).first?.hasPrefix("lastlog 1:") == true)
        for _ in 0..<30 { c.handle(keys: [.pageDown], at: .zero); b.answerAll() }
        // 500 lines end in 1: pages of 200, asked for before the last hit.
        #expect(b.asked.map(\.before) == [nil, 3_001, 1_001])
        #expect(c.search?.view.hits.count == 500)
        #expect(visible(c).last?.hasSuffix(" line 1") == true)
    }

    @Test func typingStillWorksAndAnswersToAClosedSearchAreDropped() {
        let b = Backend()
        let c = controller(b)
        type(c, "/search 42")
        c.handle(keys: [.escape], at: .zero)
        b.answerAll()
        #expect(c.search == nil)
        type(c, "/search 42")
        b.answerAll()
        type(c, "hello")
        #expect(b.base.typed == ["hello"])
        #expect(c.search == nil)
        type(c, "/search ?!")
        #expect(visible(c).contains { $0.contains("usage: /search WORDS") })
        type(c, "/search nothing")
        b.answerAll()
        #expect(visible(c).contains { $0.contains("no line holds nothing") })
    }
}
