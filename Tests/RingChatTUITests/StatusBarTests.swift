import Testing
@testable import RingChatTUI

@Suite struct StatusBarTests {
    static let ring = [RingMember("alice", isMe: true, isHolder: true), RingMember("bob"), RingMember("carol", lag: 2)]
    let full = StatusInfo(nick: "alice", ring: StatusBarTests.ring,
                          lag: 2, checkpointNumber: 12, checkpointAgeSeconds: 4, delay: "20-300ms",
                          scrolledBack: true, unread: 0)

    func text(_ segs: [Segment]) -> String { segs.map(\.text).joined() }
    func bar(_ info: StatusInfo, _ width: Int) -> String { text(StatusBar.render(info.items, width: width)) }

    @Test func wideEnoughShowsEverythingInOrder() {
        let out = StatusBar.render(full.items, width: 120)
        #expect(text(out).hasPrefix("[alice] [ring: ▸alice◂ bob carol(lag 2)] [lag 2] [ckpt #12 4s ago] [open] [delay 20-300ms] -- more -- "))
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

    /// As the screen narrows the delay goes, the checkpoint takes its
    /// short form (`[ck#12 4s]`), the lags shorten and the nicks are cut,
    /// then the ring gives way to the holder alone before the lag and the
    /// checkpoint go; the survivors keep their left-to-right order.
    @Test func shrinksInSteps() {
        #expect(bar(full, 100).hasPrefix("[alice] [ring: ▸alice◂ bob carol(lag 2)] [lag 2] [ckpt #12 4s ago] [delay 20-300ms] -- more --"))
        #expect(bar(full, 82) == "[alice] [ring: ▸alice◂ bob carol(lag 2)] [lag 2] [ckpt #12 4s ago] -- more --     ")
        #expect(bar(full, 76) == "[alice] [ring: ▸alice◂ bob carol(lag 2)] [lag 2] [ck#12 4s] -- more --      ")
        #expect(bar(full, 66) == "[alice] [ring: ▸alice◂ bob carol(2)] [lag 2] [ck#12 4s] -- more --")
        #expect(bar(full, 62) == "[alice] [ring: ▸alice◂ b c(2)] [lag 2] [ck#12 4s] -- more --  ")
        #expect(bar(full, 55) == "[alice] [▸alice◂ 1/3] [lag 2] [ck#12 4s] -- more --    ")
        // The own nick goes before lag and checkpoint (the prompt shows it).
        #expect(bar(full, 47) == "[▸alice◂ 1/3] [lag 2] [ck#12 4s] -- more --    ")
        #expect(bar(full, 42) == "[▸alice◂ 1/3] [ck#12 4s] -- more --       ")
        #expect(bar(full, 30) == "[▸alice◂ 1/3] -- more --      ")
        #expect(bar(full, 20) == "-- more --          ")
        #expect(bar(full, 8) == "-- more…")
    }

    /// Four members, not scrolled back: holder, lag and checkpoint at 80,
    /// 60 and 40 columns (the demo's panes are 60 wide).
    @Test(arguments: [80, 60, 40])
    func holderLagAndCheckpointDownToForty(width: Int) {
        let info = StatusInfo(nick: "alice", ring: [RingMember("alice", isMe: true), RingMember("bob"),
                                                    RingMember("carol", isHolder: true), RingMember("server")],
                              lag: 0, checkpointNumber: 3, checkpointAgeSeconds: 5)
        let b = bar(info, width)
        #expect(b.contains("▸carol◂") && b.contains("[lag 0]") && (b.contains("[ckpt #3 5s ago]") || b.contains("[ck#3 5s]")), "\(width): \(b)")
    }

    /// With windows open: `[2:#ops]` and the others' activity `[act: 1,3*]`
    /// where there is room; down to 40 columns holder, lag and checkpoint
    /// stay, and the window's number with them.
    @Test(arguments: [(80, "[alice] [2:#ops] [act: 1,3*] [ring: alice bob ▸carol◂ server] [lag 0] [ck#3 5s]"),
                      (60, "[alice] [2:#ops] [act: 1,3*] [▸carol◂ 3/4] [lag 0] [ck#3 5s]"),
                      (40, "[2] [▸carol◂ 3/4] [lag 0] [ck#3 5s]")])
    func windowAndActivityDownToForty(width: Int, expected: String) {
        let info = StatusInfo(nick: "alice", ring: [RingMember("alice", isMe: true), RingMember("bob"),
                                                    RingMember("carol", isHolder: true), RingMember("server")],
                              lag: 0, checkpointNumber: 3, checkpointAgeSeconds: 5,
                              window: WindowLabel(number: 2, name: "#ops", count: 3),
                              windowActivity: [WindowActivity(number: 1, mention: false), WindowActivity(number: 3, mention: true)])
        let b = bar(info, width)
        #expect(b.trimmingCharacters(in: .whitespaces) == expected, "\(width): \(b)")
        #expect(b.contains("▸carol◂") && b.contains("[lag 0]") && b.contains("[ck#3 5s]"))
        // A mention draws the eye; without one the list is bold.
        #expect(StatusBar.render(info.items, width: 120).contains(Segment("act: 1,3*", .highlight)))
        var quiet = info
        quiet.windowActivity = [WindowActivity(number: 1, mention: false)]
        #expect(StatusBar.render(quiet.items, width: 120).contains(Segment("act: 1", .bold)))
    }

    /// With the lobby alone the window item goes before the ring shrinks:
    /// it only says where lines go.
    @Test func theLobbyAloneGivesWayFirst() {
        var info = full
        info.scrolledBack = false
        info.window = WindowLabel(number: 1, name: "#lobby", count: 1)
        #expect(bar(info, 200).hasPrefix("[alice] [1:#lobby] [ring: ▸alice◂ bob carol(lag 2)]"))
        #expect(bar(info, 47) == "[alice] [▸alice◂ 1/3] [lag 2] [ck#12 4s]       ")
        // The demo's 60 columns: the ring whole, the item gone.
        info.delay = nil
        #expect(bar(info, 60) == "[alice] [ring: ▸alice◂ bob carol(lag 2)] [lag 2] [ck#12 4s] ")
    }

    /// An idle ring skips its periodic checkpoints: the bar says the last
    /// one is current instead of showing an age that only grows.
    @Test func currentCheckpointSaysSo() {
        var info = full
        info.checkpointCurrent = true
        info.checkpointAgeSeconds = 125
        #expect(bar(info, 120).contains("[ckpt #12 current]"))
        #expect(bar(info, 45).contains("[ck#12 cur]"))
        #expect(!bar(info, 120).contains("2m"))
    }

    /// Activity while away from the live end: lines, then mentions, in a
    /// long and a short form; mentions draw the eye.
    @Test func activityCountsLinesAndMentions() {
        var info = StatusInfo(nick: "alice", ring: [RingMember("alice", isMe: true, isHolder: true)], checkpointNumber: 1, checkpointAgeSeconds: 1)
        info.activity.add(mention: false)
        info.activity.add(mention: true)
        #expect(bar(info, 120).contains("[act: 2 new, 1 mention]"))
        #expect(bar(info, 40).contains("[act 2 @1]"), "\(bar(info, 40))")
        #expect(bar(info, 50).contains("[act 2 @1]") && bar(info, 50).contains("[ck#1 1s]"), "\(bar(info, 50))")
        #expect(StatusBar.render(info.items, width: 120).contains(Segment("act: 2 new, 1 mention", .highlight)))
    }

    @Test func awayMembersAreMarkedWhileThereIsRoom() {
        let info = StatusInfo(nick: "alice", ring: [RingMember("alice", isMe: true, isHolder: true), RingMember("bob", away: true)])
        #expect(bar(info, 120).contains("[ring: ▸alice◂ bob(away)]"))
    }

    @Test func holderMarkFollowsTheToken() {
        var info = StatusInfo(nick: "alice", ring: [RingMember("alice", isMe: true), RingMember("bob", isHolder: true),
                                                    RingMember("carol"), RingMember("server")])
        #expect(bar(info, 200).hasPrefix("[alice] [ring: alice ▸bob◂ carol server] [lag 0] [no ckpt]"))
        info.ring[1].isHolder = false
        info.ring[3].isHolder = true
        #expect(bar(info, 200).hasPrefix("[alice] [ring: alice bob carol ▸server◂]"))
        #expect(bar(info, 26) == "[▸server◂ 4/4] [no ck]    ")
        #expect(bar(info, 19) == "[▸server◂ 4/4]     ")
    }

    @Test func noTokenAndNoRing() {
        var info = StatusInfo(nick: "alice", ring: [RingMember("alice", isMe: true), RingMember("bob")])
        #expect(bar(info, 200).contains("[ring: alice bob · no token]"))
        #expect(bar(info, 22) == "[no token ×2] [no ck] ")
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
