import Testing
@testable import RingChatTUI

@Suite struct LineWrapperTests {
    let prefix = [Segment("12:34 ", .dim), Segment("<"), Segment("alice", .nick(1)), Segment("> ")]  // 14 columns

    @Test func shortLineIsOneRowWithStyles() {
        let rows = LineWrapper.wrap(prefix: prefix, body: [Segment("hi")], width: 40)
        #expect(rows.count == 1)
        #expect(rows[0].text == "12:34 <alice> hi")
        #expect(rows[0].segments.map(\.style) == [.dim, .normal, .nick(1), .normal])
    }

    @Test func wrapsAtSpacesWithHangingIndent() {
        let rows = LineWrapper.wrap(prefix: prefix, body: [Segment("the quick brown fox jumps over")], width: 30)
        #expect(rows.map(\.text) == [
            "12:34 <alice> the quick brown",
            "              fox jumps over",
        ])
    }

    @Test func longWordIsBrokenHard() {
        let rows = LineWrapper.wrap(prefix: prefix, body: [Segment(String(repeating: "x", count: 30))], width: 28)
        #expect(rows.map(\.text) == [
            "12:34 <alice> xxxxxxxxxxxxxx",
            "              xxxxxxxxxxxxxx",
            "              xx",
        ])
    }

    // Width 1 cannot hold a wide character at all (see degenerateWidths).
    @Test(arguments: 2...40)
    func wideCharactersNeverSplitAndRowsFit(width: Int) {
        let body = "中文字符😀测试 mixed 日本語のテキストです"
        let rows = LineWrapper.wrap(prefix: prefix, body: [Segment(body)], width: width)
        for row in rows { #expect(row.width <= width) }
        // Nothing lost but the spaces a break consumed.
        let joined = rows.map { $0.text.filter { $0 != " " } }.joined()
        #expect(joined == ("12:34 <alice> " + body).filter { $0 != " " })
    }

    @Test func cjkBreaksBetweenIdeographsNotAtTheLastSpace() {
        let rows = LineWrapper.wrap(prefix: [], body: [Segment("see: 漢字漢字漢字")], width: 10)
        #expect(rows.map(\.text) == ["see: 漢字", "漢字漢字"])
    }

    @Test func wordLongerThanARowIsNotMovedDown() {
        let rows = LineWrapper.wrap(prefix: [], body: [Segment("go https://example.com/a/long/path")], width: 12)
        #expect(rows.map(\.text) == ["go https://e", "xample.com/a", "/long/path"])
        let short = LineWrapper.wrap(prefix: [], body: [Segment("go to example")], width: 8)
        #expect(short.map(\.text) == ["go to", "example"])
    }

    @Test func wideCharAtEdgeMovesToNextRow() {
        let rows = LineWrapper.wrap(prefix: [], body: [Segment("abc中")], width: 4)
        #expect(rows.map(\.text) == ["abc", "中"])
    }

    @Test func narrowPaneDropsTheIndent() {
        let rows = LineWrapper.wrap(prefix: prefix, body: [Segment("hello there")], width: 20)
        #expect(rows.map(\.text) == ["12:34 <alice> hello", "there"])
    }

    @Test func degenerateWidths() {
        #expect(LineWrapper.wrap(prefix: prefix, body: [Segment("x")], width: 0).isEmpty)
        let one = LineWrapper.wrap(prefix: [], body: [Segment("a中b")], width: 1)
        #expect(one.map(\.text) == ["a", "?", "b"])
    }

    @Test func emptyBodyIsOneRow() {
        #expect(LineWrapper.wrap(prefix: prefix, body: [], width: 80).map(\.text) == ["12:34 <alice> "])
    }
}
