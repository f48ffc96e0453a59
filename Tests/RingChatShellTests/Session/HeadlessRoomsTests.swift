import Foundation
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatSession

/// What a headless program and the server's log read of rooms and private
/// messages, through real hosts on loopback multicast.
extension NodeHostTests {
    /// The JSON lines a reporter wrote, decoded.
    final class Lines {
        var text = ""
        var objects: [[String: Any]] {
            text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        var delivered: [[String: Any]] { objects.filter { $0["event"] as? String == "delivered" } }
    }

    /// A reporter on `host` beside its recorder.
    func report(_ host: NodeHost, _ style: EventReporter.Style) -> Lines {
        let out = Lines()
        let r = EventReporter(style: style, events: .default) { out.text += $0 }
        let recorder = host.onEvent
        host.onEvent = { e in
            recorder?(e)
            r.report(e, host: host)
        }
        return out
    }

    /// `delivered` names its room in the display form (`#lobby`, `#ops`);
    /// a headless program gets the lines of the rooms its node is in (the
    /// lobby always), the server's log every room's; a private message
    /// reaches its recipient's program opened, `kind` `private`, with its
    /// other end in `with` and the conversation's address in `room`.
    @Test func headlessEventsCarryTheRoom() throws {
        var ring = try Ring("headless-rooms")
        defer { ring.close() }
        let loop = ring.loop
        let (a, _) = try ring.start("alice")
        let (b, rb) = try ring.start("bob")
        let json = report(b, .json)
        let log = report(b, .log)
        #expect(try waitForKeys([a, b], loop: loop), "keys were never announced")

        a.type("in the lobby")
        a.type("before bob joined", room: "#ops")
        #expect(try run(loop) { rb.delivered.count == 2 })
        #expect(json.delivered.map { $0["text"] as? String } == ["in the lobby"], "\(json.text)")
        #expect(json.delivered.first?["room"] as? String == "#lobby")
        #expect(log.text.contains("#ops <alice> before bob joined") && log.text.contains("#lobby <alice> in the lobby"), "\(log.text)")

        #expect(b.join("#ops"))
        a.type("after bob joined", room: "#ops")
        #expect(a.sendPrivate(to: "bob", text: "psst") == .sent(to: b.node.id, nick: "bob"))
        #expect(try run(loop) { rb.delivered.count == 4 })
        let ops = json.delivered.first { $0["text"] as? String == "after bob joined" }
        #expect(ops?["room"] as? String == "#ops" && ops?["kind"] as? String == "text", "\(json.text)")
        let pm = try #require(json.delivered.first { $0["kind"] as? String == "private" }, "\(json.text)")
        #expect(pm["text"] as? String == "psst" && pm["with"] as? String == "alice" && pm["nick"] as? String == "alice")
        #expect(pm["room"] as? String == RoomName.address(of: a.node.id))
        // The documented key order, `room` (and `with`) after `kind`.
        let line = try #require(json.text.split(separator: "\n").first { $0.contains("\"private\"") })
        let keys = ["event", "id", "nick", "text", "kind", "room", "with", "ring", "seq", "ts", "backfill", "at"]
        let at = keys.map { line.range(of: "\"\($0)\":")?.lowerBound }
        #expect(at.allSatisfy { $0 != nil } && at.map { $0! } == at.map { $0! }.sorted(), "\(line)")
        #expect(log.text.contains("private with alice <alice> psst"), "\(log.text)")
    }

    /// `/join`, `/part` and `/list` answers: `joined` and `parted` name the
    /// room and the node's rooms, `list` the rooms the members announce
    /// with their counts and whether this node is in each.
    @Test func roomAnswersAreEvents() throws {
        var ring = try Ring("headless-list")
        defer { ring.close() }
        let loop = ring.loop
        let (a, _) = try ring.start("alice")
        let (b, _) = try ring.start("bob")
        let out = Lines()
        let r = EventReporter(style: .json, events: try EventFilter.parse("delivered").get()) { out.text += $0 }
        #expect(a.join("#ops") && b.join("#ops") && a.join("#dev"))
        #expect(try run(loop) { b.roomList.contains { $0.room == "#dev" } && b.roomList.contains { $0.room == "#ops" && $0.members == 2 } },
                "\(b.roomList)")
        r.joined("#ops", rooms: b.rooms)
        r.list(b.roomList, mine: b.rooms)
        #expect(b.part("#ops"))
        r.parted("#ops", rooms: b.rooms)
        let o = out.objects
        #expect(o.map { $0["event"] as? String } == ["joined", "list", "parted"], "answers are written whatever --events says: \(out.text)")
        #expect(o[0]["room"] as? String == "#ops" && o[0]["rooms"] as? [String] == ["#ops"])
        let rooms = try #require(o[1]["rooms"] as? [[String: Any]])
        #expect(rooms.map { $0["room"] as? String } == ["#lobby", "#dev", "#ops"])
        #expect(rooms.map { $0["members"] as? Int } == [2, 1, 2])
        #expect(rooms.map { $0["in"] as? Bool } == [true, false, true])
        #expect(o[2]["rooms"] as? [String] == [])
    }
}
