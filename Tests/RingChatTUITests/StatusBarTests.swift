import Testing
@testable import RingChatTUI

@Suite struct StatusBarTests {
    static let ring = [RingMember("alice", isMe: true, isHolder: true), RingMember("bob"), RingMember("carol", lag: 2)]
    let full = StatusInfo(nick: "alice", ring: StatusBarTests.ring, ringID: "7@a1b2",
                          lag: 2, checkpointNumber: 12, checkpointAgeSeconds: 4, delay: "20-300ms",
                          scrolledBack: true, unread: 0)

    func text(_ segs: [Segment]) -> String { segs.map(\.text).joined() }
    func bar(_ info: StatusInfo, _ width: Int) -> String { text(StatusBar.render(info.items, width: width)) }

    @Test func wideEnoughShowsEverythingInOrder() {
        let out = StatusBar.render(full.items, width: 120)
        #expect(text(out).hasPrefix("[alice] [ring 7@a1b2: ▸alice◂ bob carol(lag 2)] [lag 2] [ckpt #12 4s ago] [open] [delay 20-300ms] -- more -- "))
        #expect(DisplayWidth.of(text(out)) == 120)
        #expect(out.contains(Segment("▸alice◂", .highlight)))
        #expect(out.contains(Segment("-- more --", .highlight)))
    }

    @Test(arguments: 0...130)
    func alwaysExactlyTheWidth(width: Int) {
        var info = full
        info.nick = "中文名字"
        info.ring.append(RingMember("日本語のニック", lag: 7))
        #expect(DisplayWidth.of(bar(info, width)) == width)
    }

    /// As the screen narrows the delay goes, the ring loses its id, the
    /// checkpoint goes, the lags shorten, the own-lag item goes (the ring
    /// still shows it), the nicks are cut, and at last only the holder
    /// remains; the survivors keep their left-to-right order.
    @Test func shrinksInSteps() {
        #expect(bar(full, 100).hasPrefix("[alice] [ring 7@a1b2: ▸alice◂ bob carol(lag 2)] [lag 2] [ckpt #12 4s ago] -- more --"))
        #expect(bar(full, 77) == "[alice] [ring: ▸alice◂ bob carol(lag 2)] [lag 2] [ckpt #12 4s ago] -- more --")
        #expect(bar(full, 76).hasPrefix("[alice] [ring: ▸alice◂ bob carol(lag 2)] [lag 2] -- more --"))
        #expect(bar(full, 55) == "[alice] [ring: ▸alice◂ bob carol(2)] [lag 2] -- more --")
        #expect(bar(full, 47) == "[alice] [ring: ▸alice◂ bob carol(2)] -- more --")
        #expect(bar(full, 45) == "[alice] [ring: ▸alice◂ bob ca…(2)] -- more --")
        #expect(bar(full, 42) == "[alice] [ring: ▸alice◂ b c(2)] -- more -- ")
        #expect(bar(full, 38) == "[alice] [▸alice◂ 1/3] -- more --      ")
        // The holder outlasts the own nick (the input line's prompt shows it).
        #expect(bar(full, 30) == "[▸alice◂ 1/3] -- more --      ")
        #expect(bar(full, 20) == "-- more --          ")
        #expect(bar(full, 8) == "-- more…")
    }

    @Test func holderMarkFollowsTheToken() {
        var info = StatusInfo(nick: "alice", ring: [RingMember("alice", isMe: true), RingMember("bob", isHolder: true),
                                                    RingMember("carol"), RingMember("server")])
        #expect(bar(info, 200).hasPrefix("[alice] [ring: alice ▸bob◂ carol server] [lag 0] [no ckpt]"))
        info.ring[1].isHolder = false
        info.ring[3].isHolder = true
        #expect(bar(info, 200).hasPrefix("[alice] [ring: alice bob carol ▸server◂]"))
        #expect(bar(info, 26) == "[alice] [▸server◂ 4/4]    ")
        #expect(bar(info, 19) == "[▸server◂ 4/4]     ")
    }

    @Test func noTokenAndNoRing() {
        var info = StatusInfo(nick: "alice", ring: [RingMember("alice", isMe: true), RingMember("bob")], ringID: "1@0001")
        #expect(bar(info, 200).contains("[ring 1@0001: alice bob · no token]"))
        #expect(bar(info, 22) == "[alice] [no token ×2] ")
        #expect(bar(info, 16) == "[no token ×2]   ")
        info.ring = []
        #expect(bar(info, 200).hasPrefix("[alice] [no token] [lag 0] [no ckpt]"))
        #expect(!bar(info, 200).contains("delay"))
        #expect(!bar(info, 200).contains("more"))
    }

    @Test func tokenLogViewIsMarked() {
        var info = full
        info.showingTokenLog = true
        #expect(bar(info, 200).contains("[token log: F3 back] -- more --"))
        // It stays longer than the ring: the screen shows another view.
        #expect(bar(info, 34) == "[token log: F3 back] -- more --   ")
    }

    @Test func unreadCountInMoreMarker() {
        var info = full
        info.unread = 5
        #expect(bar(info, 200).contains("-- more (5) --"))
    }

    @Test func peerNickInStatusIsSanitised() {
        let info = StatusInfo(nick: "me", ring: [RingMember("me", isMe: true), RingMember("\u{1B}[2Jbob", isHolder: true)])
        #expect(bar(info, 200).contains("[ring: me ▸^[[2Jbob◂]"))
    }

    @Test func cutNicksKeepTheirWidth() {
        #expect(RingBar.shorten("carol", to: 5) == "carol")
        #expect(RingBar.shorten("caroline", to: 5) == "caro…")
        #expect(RingBar.shorten("日本語です", to: 5) == "日本…")
        #expect(RingBar.shorten("日本語です", to: 4) == "日…")
        #expect(RingBar.shorten("bob", to: 1) == "b")
    }

    @Test func fitCutsWideCharactersCleanly() {
        let row = Row([Segment("中中中中")])
        #expect(text(StatusBar.fit(row, width: 4)) == "中… ")
        #expect(text(StatusBar.fit(row, width: 9)) == "中中中中 ")
        #expect(text(StatusBar.fit(row, width: 1)) == "…")
    }
}
