import Testing
@testable import RingChatTUI

@Suite struct ChatPaneTests {
    /// A pane of `n` one-row chat lines "m0"..., keys 0, 10, 20... so that
    /// late lines can go in between.
    func pane(_ n: Int, capacity: Int = 10_000) -> ChatPane<Int> {
        var p = ChatPane<Int>(capacity: capacity)
        for i in 0..<n { p.addChat(nick: "bob", text: "m\(i)", timestamp: 0, sortKey: i * 10) }
        return p
    }

    func bodies(_ rows: [Row]) -> [String] {
        rows.map { String($0.text.split(separator: " ").last ?? "") }
    }

    @Test func layoutOfEachKind() {
        var p = ChatPane<Int>()
        p.utcOffsetSeconds = 3600
        p.addChat(nick: "alice", text: "hi", timestamp: 45_296_000, sortKey: 1)
        p.addChat(nick: "me", text: "waves", isOwn: true, action: true, timestamp: 45_296_000, sortKey: 2)
        p.addSystem("bob joined", timestamp: 45_296_000)
        p.addToken("token passed to bob", timestamp: 45_296_000)
        p.addError("unknown command /foo", timestamp: 45_296_000)
        let rows = p.visibleRows(width: 80, height: 10)
        #expect(rows.map(\.text) == [
            "13:34 <alice> hi",
            "13:34  * me waves",
            "13:34 -!- bob joined",
            "13:34 -·- token passed to bob",
            "13:34 -!- unknown command /foo",
        ])
        #expect(rows[0].segments.contains(Segment("alice", .nick(NickColor.index(for: "alice")))))
        #expect(rows[1].segments.contains(Segment("me", .bold)))
        #expect(rows[3].segments.allSatisfy { $0.style == .dim })
        #expect(rows[4].segments.last == Segment("-!- unknown command /foo", .error))
    }

    @Test func peerTextIsSanitisedOnInsert() {
        var p = ChatPane<Int>()
        p.addChat(nick: "ev\u{1B}[2Jil", text: "\u{1B}]0;title\u{07}\u{9B}H", timestamp: 0, sortKey: 1)
        let text = p.visibleRows(width: 80, height: 5)[0].text
        #expect(text == "00:00 <ev^[[2Jil> ^[]0;title^G<U+009B>H")
    }

    @Test func lateMessageGoesToItsPlace() {
        var p = pane(5)
        p.addSystem("partition healed", timestamp: 0)
        p.addChat(nick: "carol", text: "late", timestamp: 0, sortKey: 15)
        let texts = p.visibleRows(width: 80, height: 10).map(\.text)
        #expect(bodies(p.visibleRows(width: 80, height: 10)) == ["m0", "m1", "late", "m2", "m3", "m4", "healed"])
        #expect(texts.count == 7)
    }

    @Test func sameKeyReplacesInsteadOfDuplicating() {
        var p = pane(3)
        p.addChat(nick: "bob", text: "again", timestamp: 0, sortKey: 10)
        #expect(p.count == 3)
        #expect(bodies(p.visibleRows(width: 80, height: 10)) == ["m0", "again", "m2"])
    }

    @Test func newestAtTheBottomWhenFollowing() {
        let p = pane(50)
        #expect(bodies(p.visibleRows(width: 80, height: 3)) == ["m47", "m48", "m49"])
        #expect(!p.scrolledBack)
    }

    @Test func pageUpAndDown() {
        var p = pane(50)
        p.pageUp(width: 80, height: 5)  // 4 rows up: one line of context
        #expect(p.scrolledBack)
        #expect(bodies(p.visibleRows(width: 80, height: 5)) == ["m41", "m42", "m43", "m44", "m45"])
        p.pageDown(width: 80, height: 5)
        #expect(!p.scrolledBack)
        #expect(bodies(p.visibleRows(width: 80, height: 5)) == ["m45", "m46", "m47", "m48", "m49"])
    }

    @Test func pageUpStopsAtTheTop() {
        var p = pane(12)
        for _ in 0..<10 { p.pageUp(width: 80, height: 5) }
        #expect(bodies(p.visibleRows(width: 80, height: 5)) == ["m0", "m1", "m2", "m3", "m4"])
        p.pageDown(width: 80, height: 5)
        #expect(bodies(p.visibleRows(width: 80, height: 5)) == ["m4", "m5", "m6", "m7", "m8"])
    }

    @Test func nothingToScrollWhenItAllFits() {
        var p = pane(3)
        p.pageUp(width: 80, height: 5)
        #expect(!p.scrolledBack)
        #expect(p.visibleRows(width: 80, height: 5).count == 3)
    }

    @Test func viewStaysPutWhileNewLinesArrive() {
        var p = pane(50)
        p.pageUp(width: 80, height: 5)
        let before = p.visibleRows(width: 80, height: 5)
        for i in 50..<60 { p.addChat(nick: "bob", text: "m\(i)", timestamp: 0, sortKey: i * 10) }
        p.addSystem("note", timestamp: 0)
        #expect(p.visibleRows(width: 80, height: 5) == before)
        #expect(p.unread == 11)
        // A late line above the view does not move it either.
        p.addChat(nick: "bob", text: "early", timestamp: 0, sortKey: 5)
        #expect(p.visibleRows(width: 80, height: 5) == before)
        p.scrollToBottom()
        #expect(p.unread == 0)
        #expect(bodies(p.visibleRows(width: 80, height: 1)) == ["note"])
    }

    @Test func scrollingCountsWrappedRows() {
        var p = ChatPane<Int>()
        for i in 0..<6 {
            p.addChat(nick: "bob", text: "line \(i) " + String(repeating: "w ", count: 20), timestamp: 0, sortKey: i)
        }
        let perEntry = p.rows(of: 0, width: 30).count
        #expect(perEntry > 1)
        p.scrollUp(rows: 1, width: 30, height: 4)
        let rows = p.visibleRows(width: 30, height: 4)
        #expect(rows.count == 4)
        let all = (0..<p.count).flatMap { p.rows(of: $0, width: 30) }
        #expect(rows == Array(all[(all.count - 5)..<(all.count - 1)]))
    }

    @Test func boundedDropsOldest() {
        let p = pane(3000, capacity: 1000)
        #expect(p.count == 1000)
        #expect(bodies(p.visibleRows(width: 80, height: 1)) == ["m2999"])
        if case let .chat(_, text, _) = p[0].kind { #expect(text == "m2000") } else { Issue.record("not chat") }
    }

    @Test func boundedWhileScrolledBackKeepsAValidView() {
        var p = pane(100, capacity: 100)
        for _ in 0..<20 { p.pageUp(width: 80, height: 10) }
        for i in 100..<400 { p.addChat(nick: "bob", text: "m\(i)", timestamp: 0, sortKey: i * 10) }
        let rows = p.visibleRows(width: 80, height: 10)
        #expect(rows.count == 10)
        #expect(p.scrolledBack)
    }

    @Test func zeroSizes() {
        let p = pane(3)
        #expect(p.visibleRows(width: 0, height: 5).isEmpty)
        #expect(p.visibleRows(width: 80, height: 0).isEmpty)
        #expect(ChatPane<Int>().visibleRows(width: 80, height: 5).isEmpty)
    }
}
