import Testing
@testable import RingChatCore
@testable import RingChatTUI

/// The window model alone: numbering, opening, closing, the activity list
/// and which window a message belongs to.
@Suite struct WindowListTests {
    static let me = NodeID(0xA1)
    static let bob = NodeID(0xB2)
    static let carol = NodeID(0xC3)
    static let ring = RingID(epoch: 1, creator: me, incarnation: 1)

    func list(_ rooms: String...) -> WindowList {
        var w = WindowList(capacity: 100, utcOffsetSeconds: 0)
        for r in rooms { w.open(r, name: r) }
        return w
    }

    func message(from origin: NodeID, room: String, kind: MessageKind = .text) -> ChatMessage {
        ChatMessage(id: MessageID(origin: origin, incarnation: 1, counter: 1), nick: "x", text: "t", kind: kind, room: room,
                    slot: Slot(ring: Self.ring, seq: 1), timestamp: 0)
    }

    @Test func theLobbyIsWindowOneAndStays() {
        var w = list()
        #expect(w.count == 1 && w.current.room == RoomName.lobby && w.current.name == "#lobby" && w.currentNumber == 1)
        let closed = w.close(0)
        #expect(!closed)
        #expect(w.count == 1)
    }

    @Test func openingIsIdempotentAndAppends() {
        var w = list("#ops", "#dev")
        #expect(w.open("#ops", name: "#ops") == 1)
        #expect(w.windows.map(\.room) == ["", "#ops", "#dev"])
        #expect(w.index(of: "#dev") == 2 && w.index(of: "#nope") == nil)
    }

    /// Closing a window (by index: `close: 1` is window 2) moves the later
    /// ones down a number; the current one stays current, or the one
    /// before it takes over.
    @Test(arguments: [(close: 1, current: 4, after: 3), (close: 1, current: 2, after: 1), (close: 3, current: 2, after: 2)])
    func closingRenumbers(close: Int, current: Int, after: Int) {
        var w = list("#a", "#b", "#c")
        let selected = w.select(number: current)
        let name = w.current.name
        let closed = w.close(close)
        #expect(selected && closed)
        #expect(w.count == 3)
        #expect(w.currentNumber == after)
        if close + 1 != current { #expect(w.current.name == name) }
    }

    @Test(arguments: [0, 5, -1])
    func selectingAMissingWindowChangesNothing(number: Int) {
        var w = list("#a", "#b")
        w.select(number: 2)
        let selected = w.select(number: number)
        #expect(!selected)
        #expect(w.currentNumber == 2)
    }

    @Test func activityListsTheOtherWindowsWithAStarForMentions() {
        var w = list("#a", "#b", "#c")
        w[1].activity.add(mention: false)
        w[3].activity.add(mention: false)
        w[3].activity.add(mention: true)
        w[0].activity.add(mention: false)
        // Window 1 is current: its own activity is not in the list.
        #expect(w.activityList == [WindowActivity(number: 2, mention: false), WindowActivity(number: 4, mention: true)])
        w.select(number: 4)
        #expect(w.activityList.map(\.number) == [1, 2])
    }

    /// A room's line goes to its room's window; a private one to the window
    /// of its other end, seen from either end; a private line between two
    /// others to none.
    @Test(arguments: [
        (origin: bob, room: "", kind: MessageKind.text, key: ""),
        (origin: bob, room: "#ops", kind: .text, key: "#ops"),
        (origin: me, room: "#ops", kind: .action, key: "#ops"),
        (origin: bob, room: RoomName.address(of: me), kind: .private, key: RoomName.address(of: bob)),
        (origin: me, room: RoomName.address(of: bob), kind: .private, key: RoomName.address(of: bob)),
    ])
    func routing(origin: NodeID, room: String, kind: MessageKind, key: String) {
        #expect(WindowList.key(of: message(from: origin, room: room, kind: kind), me: Self.me) == key)
    }

    @Test func aPrivateLineBetweenOthersHasNoWindow() {
        let m = message(from: Self.bob, room: RoomName.address(of: Self.carol), kind: .private)
        #expect(WindowList.key(of: m, me: Self.me) == nil)
        #expect(WindowList.key(of: m, me: nil) == nil)
    }

    @Test func aQueryWindowKnowsItsPeer() {
        var w = list()
        let i = w.open(RoomName.address(of: Self.bob), name: "bob")
        #expect(w[i].isQuery && w[i].peer == Self.bob && !w[i].isLobby)
        #expect(!w[0].isQuery && w[0].isLobby)
    }
}
