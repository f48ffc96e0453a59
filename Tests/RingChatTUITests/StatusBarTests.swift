import Testing
@testable import RingChatTUI

@Suite struct StatusBarTests {
    let full = StatusInfo(nick: "alice", tokenHolder: "alice", holderIsMe: true, ringSize: 3, ringID: "7@a1b2",
                          lag: 2, checkpointNumber: 12, checkpointAgeSeconds: 4, delay: "20-300ms",
                          scrolledBack: true, unread: 0)

    func text(_ segs: [Segment]) -> String { segs.map(\.text).joined() }

    @Test func wideEnoughShowsEverythingInOrder() {
        let out = StatusBar.render(full.items, width: 100)
        #expect(text(out).hasPrefix("[alice] [token: you] [ring 7@a1b2 ×3] [lag 2] [ckpt #12 4s ago] [delay 20-300ms] -- more -- "))
        #expect(DisplayWidth.of(text(out)) == 100)
        #expect(out.contains(Segment("you", .highlight)))
        #expect(out.contains(Segment("-- more --", .highlight)))
    }

    @Test(arguments: 0...110)
    func alwaysExactlyTheWidth(width: Int) {
        var info = full
        info.nick = "中文名字"
        #expect(out(info, width) == width)
    }

    func out(_ info: StatusInfo, _ width: Int) -> Int {
        DisplayWidth.of(text(StatusBar.render(info.items, width: width)))
    }

    @Test func dropsLowestPriorityFirst() {
        // Priorities: more 100, nick 90, token 80, lag 70, ring 60, ckpt 50, delay 40;
        // survivors keep their left-to-right order.
        #expect(text(StatusBar.render(full.items, width: 60)).hasPrefix("[alice] [token: you] [ring 7@a1b2 ×3] [lag 2] -- more --"))
        #expect(text(StatusBar.render(full.items, width: 40)).hasPrefix("[alice] [token: you] [lag 2] -- more --"))
        #expect(text(StatusBar.render(full.items, width: 20)) == "[alice] -- more --  ")
        #expect(text(StatusBar.render(full.items, width: 8)) == "-- more…")
    }

    @Test func tokenHolderVariants() {
        var info = StatusInfo(nick: "alice", tokenHolder: "bob", ringSize: 2, ringID: "1@0001")
        #expect(text(StatusBar.render(info.items, width: 200)).contains("[token: bob]"))
        info.tokenHolder = nil
        #expect(text(StatusBar.render(info.items, width: 200)).contains("[no token]"))
        #expect(text(StatusBar.render(info.items, width: 200)).contains("[no ckpt]"))
        #expect(!text(StatusBar.render(info.items, width: 200)).contains("delay"))
        #expect(!text(StatusBar.render(info.items, width: 200)).contains("more"))
    }

    @Test func unreadCountInMoreMarker() {
        var info = full
        info.unread = 5
        #expect(text(StatusBar.render(info.items, width: 200)).contains("-- more (5) --"))
    }

    @Test func peerNickInStatusIsSanitised() {
        let info = StatusInfo(nick: "me", tokenHolder: "\u{1B}[2Jbob", ringSize: 2, ringID: "1@0001")
        #expect(text(StatusBar.render(info.items, width: 200)).contains("[token: ^[[2Jbob]"))
    }

    @Test func fitCutsWideCharactersCleanly() {
        let row = Row([Segment("中中中中")])
        #expect(text(StatusBar.fit(row, width: 4)) == "中… ")
        #expect(text(StatusBar.fit(row, width: 9)) == "中中中中 ")
        #expect(text(StatusBar.fit(row, width: 1)) == "…")
    }
}
