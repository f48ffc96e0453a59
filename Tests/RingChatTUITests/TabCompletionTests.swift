import Testing
@testable import RingChatTUI

@Suite struct TabCompletionTests {
    let nicks = ["alice", "albert", "bob", "Alfred"]

    @Test func atLineStartAddsColon() {
        var e = LineEditor(text: "bo")
        var t = TabCompletion()
        #expect(t.complete(&e, nicks: nicks))
        #expect(e.text == "bob: ")
        #expect(e.cursor == 5)
    }

    @Test func midLineAddsSpace() {
        var e = LineEditor(text: "hi bo")
        var t = TabCompletion()
        t.complete(&e, nicks: nicks)
        #expect(e.text == "hi bob ")
    }

    @Test func cyclesCaseInsensitivelyInGivenOrder() {
        var e = LineEditor(text: "hey al")
        var t = TabCompletion()
        var seen: [String] = []
        for _ in 0..<4 {
            t.complete(&e, nicks: nicks)
            seen.append(e.text)
        }
        #expect(seen == ["hey alice ", "hey albert ", "hey Alfred ", "hey alice "])
    }

    @Test func completesBeforeTextAfterCursor() {
        var e = LineEditor(text: "al is here")
        for _ in 0..<8 { e.moveLeft() }
        var t = TabCompletion()
        t.complete(&e, nicks: nicks)
        t.complete(&e, nicks: nicks)
        #expect(e.text == "albert:  is here")
        #expect(e.cursor == 8)
    }

    @Test func noMatchLeavesLineAlone() {
        var e = LineEditor(text: "zz")
        var t = TabCompletion()
        #expect(!t.complete(&e, nicks: nicks))
        #expect(e.text == "zz")
        var empty = LineEditor(text: "x ")
        #expect(!t.complete(&empty, nicks: nicks))
    }

    @Test func editingBetweenTabsStartsOver() {
        var e = LineEditor(text: "al")
        var t = TabCompletion()
        t.complete(&e, nicks: nicks)  // "alice: "
        e.backspace(); e.backspace(); e.backspace(); e.backspace(); e.backspace()  // "al"
        t.complete(&e, nicks: nicks)
        #expect(e.text == "alice: ")
    }

    @Test func drawingBetweenTabsDoesNotBreakCycling() {
        var e = LineEditor(text: "al")
        var t = TabCompletion()
        t.complete(&e, nicks: nicks)
        _ = e.view(width: 3)
        t.complete(&e, nicks: nicks)
        #expect(e.text == "albert: ")
    }
}
