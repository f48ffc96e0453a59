import Testing
import RingChatCore
@testable import RingChatSimulator

/// Hand-made rooms histories that break the screens' invariants on purpose,
/// each with exactly the invariants the checker must report.
let roomBreakages: [Breakage] = {
    var out: [Breakage] = []
    func add(_ name: String, _ expected: Set<Invariant>, _ make: () -> History) {
        out.append(Breakage(name: name, history: make(), expected: expected))
    }

    // Room order
    add("room order: a line shown in another room's window", [.roomOrder]) {
        var h = roomsHistory
        let k = shownIndex(h, node: 2, ops1.id)!
        guard case .shown(let n, var line, let late, let at) = h.records[k] else { fatalError() }
        line.window = RoomName.lobby
        h.records[k] = .shown(node: n, line: line, backfill: late, at: at)
        return h
    }
    add("room order: a room's window going backwards (the deliveries in order)", [.roomOrder]) {
        var h = roomsHistory
        let a = shownIndex(h, node: 2, lobby1.id)!, b = shownIndex(h, node: 2, lobby2.id)!
        h.records.swapAt(a, b)
        return h
    }
    add("room order: a final window out of the agreed order", [.roomOrder]) {
        var h = roomsHistory
        h.finals[2].views[RoomName.lobby]!.reverse()
        return h
    }
    add("room order: a converged node's window lacking a line", [.roomOrder]) {
        var h = roomsHistory
        h.finals[0].views["#ops"] = nil
        return h
    }
    add("room order: a line shown twice in its window", [.roomOrder]) {
        var h = roomsHistory
        h.finals[1].views[RoomName.lobby]!.append(h.finals[1].views[RoomName.lobby]!.last!)
        return h
    }
    add("room order: one node stores a line in another room", [.roomOrder]) {
        var b = roomsBuilder(finish: false)
        var moved = ops1
        moved.room = "#dev"
        b.persisted(2, moved)
        b.finishWithViews(log: roomsLog)
        return b.history
    }

    // Privacy
    add("privacy: a third node's screen shows a private line", [.privacy]) {
        var b = roomsBuilder(finish: false)
        b.shown(2, ShownLine(id: dm1.id, slot: dm1.slot, window: RoomName.address(of: n0), text: dmPlaintext))
        b.finishWithViews(log: roomsLog)
        return b.history
    }
    add("privacy: a third node's final screen holds a private line", [.privacy]) {
        var h = roomsHistory
        h.finals[2].views[RoomName.address(of: n0)] = [ShownLine(id: dm1.id, slot: dm1.slot, window: RoomName.address(of: n0),
                                                                  text: dmBox)]
        return h
    }
    add("privacy: a private line stored unsealed (its plaintext in every replica)", [.privacy]) {
        roomsBuilder(dm: roomMessage(n0, 2, seq: 3, room: RoomName.address(of: n1), kind: .private, text: dmPlaintext)).history
    }

    add("privacy: a plaintext in a node's state at the end (a checkpoint's outbox)", [.privacy]) {
        var h = roomsHistory
        h.finals[0].stored = [lobby1.text, dmBox, "  " + dmPlaintext]
        return h
    }

    // Private delivery
    add("private delivery: a recipient that was down never reads the line", [.privateDelivery]) {
        var h = roomsBuilder(recipientAway: true).history
        h.records.remove(at: shownIndex(h, node: 1, dm1.id)!)
        h.finals[1].views[RoomName.address(of: n0)] = nil
        return h
    }
    add("private delivery: an end reads something else than was typed", [.privateDelivery]) {
        var h = roomsHistory
        let k = shownIndex(h, node: 1, dm1.id)!
        guard case .shown(let n, var line, let late, let at) = h.records[k] else { fatalError() }
        line.text = "(could not open)"
        h.records[k] = .shown(node: n, line: line, backfill: late, at: at)
        return h
    }
    add("private delivery: the sender's final conversation window lacks its line", [.privateDelivery]) {
        var h = roomsHistory
        h.finals[0].views[RoomName.address(of: n1)] = []
        return h
    }
    return out
}()

/// Rooms histories that are legal: the checker must report nothing.
let legalRoomHistories: [Breakage] = {
    var out: [Breakage] = []
    func add(_ name: String, _ make: () -> History) {
        out.append(Breakage(name: name, history: make(), expected: []))
    }
    add("the clean rooms run") { roomsHistory }
    add("a private line sent while its recipient was down, read after its restart") {
        roomsBuilder(recipientAway: true).history
    }
    add("a late lobby line placed before one already shown, marked late") {
        roomsBuilder(node2: [(lobby2, false), (lobby1, true), (ops1, true), (dm1, true)]).history
    }
    add("lines of different rooms interleaved in the global order") {
        roomsBuilder(node2: [(lobby1, false), (ops1, false), (lobby2, false), (dm1, true)]).history
    }
    return out
}()

@Suite("InvariantChecker: rooms and private messages")
struct RoomInvariantTests {
    @Test("a broken rooms history is reported, for exactly the invariants it breaks", arguments: roomBreakages)
    func reportsBreakage(_ b: Breakage) {
        let violations = InvariantChecker.check(b.history)
        #expect(Set(violations.map(\.invariant)) == b.expected, "\(violations)")
    }

    @Test("a legal rooms history reports nothing", arguments: legalRoomHistories)
    func legal(_ b: Breakage) {
        let violations = InvariantChecker.check(b.history)
        #expect(violations.isEmpty, "\(violations)")
    }

    @Test("a violation names the node, the window and the line")
    func details() throws {
        var h = roomsBuilder(recipientAway: true).history
        h.finals[1].views[RoomName.address(of: n0)] = nil
        let v = try #require(InvariantChecker.check(h).first)
        #expect(v.invariant == .privateDelivery)
        #expect(v.detail.contains("node 1"))
        #expect(v.detail.contains(RoomName.address(of: n0)))
        #expect(v.detail.contains(dm1.id.description))
        #expect(v.detail.contains("while it was down"))
    }

    @Test("a plaintext is found anywhere in a text, a sealed box has none")
    func brackets() {
        #expect(InvariantChecker.brackets("x \(dmPlaintext) y <m1-1 for n2>") == [dmPlaintext, "<m1-1 for n2>"])
        #expect(InvariantChecker.brackets(dmBox).isEmpty)
    }
}
