import Testing
@testable import RingChatCore

@Suite struct RoomNameTests {
    @Test(arguments: [("ops", "#ops"), ("#Ops", "#ops"), ("#lobby", ""), ("lobby", ""), ("#a-b_c.d", "#a-b_c.d")])
    func whatAUserTypesNamesARoom(typed: String, wire: String) {
        #expect(RoomName.parse(typed) == wire)
    }

    @Test(arguments: ["", "#", "# x", "#a/b", "#é", "#" + String(repeating: "a", count: 32), "@00000000000000b0"])
    func whatIsNotARoomIsRefused(typed: String) {
        #expect(typed.isEmpty || RoomName.parse(typed) == nil || RoomName.parse(typed) == "")
        #expect(!RoomName.isRoom(typed))
    }

    @Test func privateAddressesNameANode() {
        let id = NodeID(0x00b0)
        #expect(RoomName.address(of: id) == "@00000000000000b0")
        #expect(RoomName.recipient(of: RoomName.address(of: id)) == id)
        for bad in ["@00000000000000B0", "@+0000000000000b0", "@b0", "#00000000000000b0"] {
            #expect(RoomName.recipient(of: bad) == nil, "\(bad)")
        }
    }

    /// A private message shows at its two ends only; a room's line anywhere.
    @Test func onlyTheTwoEndsShowAPrivateMessage() {
        let a = NodeID(1), b = NodeID(2), c = NodeID(3)
        let slot = Slot(ring: RingID(epoch: 1, creator: a, incarnation: 1), seq: 1)
        let pm = ChatMessage(id: MessageID(origin: a, incarnation: 1, counter: 1), nick: "a", text: "sealed",
                             kind: .private, room: RoomName.address(of: b), slot: slot, timestamp: 0)
        #expect(RoomName.shows(pm, to: a) && RoomName.shows(pm, to: b) && !RoomName.shows(pm, to: c))
        #expect(RoomName.peer(of: pm, me: a) == b && RoomName.peer(of: pm, me: b) == a && RoomName.peer(of: pm, me: c) == nil)
        var line = pm
        line.kind = .text
        line.room = "#ops"
        #expect(RoomName.shows(line, to: c) && RoomName.peer(of: line, me: a) == nil)
    }

    /// Trust on first use: the first key is taken, a different later one
    /// is reported with the old one kept.
    @Test func knownPeersReportAKeyChange() {
        var p = KnownPeers()
        let id = NodeID(7)
        #expect(p.observe(id, nick: "bob", key: [1], now: 1) == .new)
        #expect(p.observe(id, nick: "bob", key: [1], now: 2) == .same)
        #expect(p.observe(id, nick: "bobby", key: [1], now: 3) == .renamed)
        #expect(p.observe(id, nick: "bobby", key: [2], now: 4) == .keyChanged(previous: [1]))
        #expect(p.entries[id]?.previousKey == [1] && p.entries[id]?.changedAt == 4 && p.entries[id]?.key == [2])
        #expect(p.node(named: "bobby") == id && p.node(named: "bob") == nil)
    }
}
