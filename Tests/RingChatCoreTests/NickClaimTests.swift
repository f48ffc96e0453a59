import Testing
@testable import RingChatCore

/// One nick per live node (issue 19): the claimer yields, else the lower
/// id keeps it; never both keep it.
@Suite struct NickClaimTests {
    let a = NodeID(0x1111), b = NodeID(0x4024), c = NodeID(0x9999)
    func t(_ ms: Int64) -> Instant { .milliseconds(ms) }

    @Test func aNodeStartingWithAHeldNickYields() {
        var mine = NickClaim(me: a, nick: "carol", startedAt: t(0))
        // The holder is heard 100 ms after the start: it held it first.
        let r = mine.observe(members: [(a, "carol"), (b, "carol")], now: t(100))
        #expect(r == NickClaim.Rename(from: "carol", to: "carol_", holder: b))
        #expect(r?.notice == "nick carol is in use by 4024; you are carol_")
    }

    @Test func theHolderKeepsItWhenANewcomerClaimsIt() {
        var holder = NickClaim(me: b, nick: "carol", startedAt: t(0))
        #expect(holder.observe(members: [(b, "carol")], now: t(2_000)) == nil)
        // A newcomer (lower id, even) appears with carol: it is the claimer.
        #expect(holder.observe(members: [(a, "carol"), (b, "carol")], now: t(5_000)) == nil)
        #expect(holder.nextCheck == t(8_000))
        // It renamed at once: the conflict is over, no check pending.
        #expect(holder.observe(members: [(a, "carol_"), (b, "carol")], now: t(5_010)) == nil)
        #expect(holder.nextCheck == nil)
    }

    @Test func slashNickOfAHeldNickGivesTheFirstFreeAlternative() {
        let mine = NickClaim(me: c, nick: "dave", startedAt: t(0))
        let members = [(id: a, nick: "carol_"), (id: b, nick: "Carol"), (id: c, nick: "dave")]
        let r = mine.check("carol", members: members)
        #expect(r?.to == "carol__" && r?.holder == b)
        #expect(mine.check("erin", members: members) == nil)
        #expect(mine.check("dave", members: members) == nil)   // my own
    }

    @Test func aConflictNeitherCausedIsEndedByTheHigherID() {
        // Both held "zed" long before they met (a healed partition).
        var low = NickClaim(me: a, nick: "zed", startedAt: t(0), settle: .seconds(3))
        var high = NickClaim(me: c, nick: "zed", startedAt: t(0), settle: .seconds(3))
        _ = low.observe(members: [(a, "zed")], now: t(10_000))
        _ = high.observe(members: [(c, "zed")], now: t(10_000))
        let both = [(id: a, nick: "zed"), (id: c, nick: "zed")]
        #expect(low.observe(members: both, now: t(20_000)) == nil)
        #expect(high.observe(members: both, now: t(20_000)) == nil)
        #expect(high.nextCheck == t(23_000))
        #expect(low.observe(members: both, now: t(23_000)) == nil)
        #expect(high.observe(members: both, now: t(23_000))?.to == "zed_")
    }

    /// Two nodes started together with one nick: whatever order they hear
    /// each other in, they end with two nicks.
    @Test(arguments: [0, 50, 99, 400, 1_500])
    func twoNodesStartedTogetherEndDifferent(offset: Int64) {
        var x = NickClaim(me: a, nick: "zed", startedAt: t(0))
        var y = NickClaim(me: c, nick: "zed", startedAt: t(offset))
        var nx = "zed", ny = "zed"
        // Each hears the other's current nick 30 ms after a change; steps of 10 ms.
        var lastX = (nick: "zed", at: Int64(0)), lastY = (nick: "zed", at: offset)
        var heardByX = "zed", heardByY = "zed"
        for now in stride(from: offset, through: 15_000, by: 10) {
            if now - lastY.at >= 30 { heardByX = lastY.nick }
            if now - lastX.at >= 30 { heardByY = lastX.nick }
            if let r = x.observe(members: [(a, nx), (c, heardByX)], now: t(now)) {
                x.claimed(r.to, at: t(now)); nx = r.to; lastX = (nx, now)
            }
            if let r = y.observe(members: [(a, heardByY), (c, ny)], now: t(now)) {
                y.claimed(r.to, at: t(now)); ny = r.to; lastY = (ny, now)
            }
        }
        #expect(nx != ny, "both ended as \(nx)")
        #expect(nx.count <= 5 && ny.count <= 5, "\(nx) \(ny)")
    }

    @Test func theAlternativeFitsTheLimit() {
        let long = String(repeating: "n", count: NickRule.maxBytes)
        let alt = NickRule.alternative(to: long, taken: [])
        #expect(alt.utf8.count == NickRule.maxBytes && alt.hasSuffix("_") && NickRule.problem(alt) == nil)
        #expect(NickRule.alternative(to: "x", taken: ["x_", "x__"]) == "x___")
    }
}
