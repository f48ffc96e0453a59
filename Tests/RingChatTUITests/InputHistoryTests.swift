import Testing
@testable import RingChatTUI

@Suite struct InputHistoryTests {
    @Test func upAndDownKeepTheDraft() {
        var h = InputHistory()
        h.add("one"); h.add("two")
        #expect(h.older(current: "dra") == "two")
        #expect(h.older(current: "two") == "one")
        #expect(h.older(current: "one") == nil)
        #expect(h.newer() == "two")
        #expect(h.newer() == "dra")
        #expect(h.newer() == nil)
        #expect(!h.isBrowsing)
    }

    @Test func emptyHistory() {
        var h = InputHistory()
        #expect(h.older(current: "x") == nil)
        #expect(h.newer() == nil)
    }

    @Test func skipsBlankAndRepeatedLines() {
        var h = InputHistory()
        h.add("a"); h.add("a"); h.add("  "); h.add("b"); h.add("a")
        #expect(h.entries == ["a", "b", "a"])
    }

    @Test func bounded() {
        var h = InputHistory(limit: 3)
        for i in 0..<10 { h.add("l\(i)") }
        #expect(h.entries == ["l7", "l8", "l9"])
    }

    @Test func addingResetsBrowsing() {
        var h = InputHistory()
        h.add("a"); h.add("b")
        _ = h.older(current: "")
        h.add("c")
        #expect(h.older(current: "") == "c")
    }
}
