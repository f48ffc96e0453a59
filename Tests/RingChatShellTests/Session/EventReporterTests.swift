#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import RingChatCore
@testable import RingChatIO
@testable import RingChatSession

/// The headless writer: lines rendered into bytes with the same escaping
/// and key order as before, one batch per loop turn, one `status` per
/// turn, and only the events the reader asked for.
@Suite struct EventReporterTests {
    static let me = NodeID(0x0a)
    static let bob = NodeID(0x0b)
    static let ring = RingID(epoch: 1, creator: me, incarnation: 1)

    /// What the reporter wrote, and how many times it handed bytes on.
    final class Out {
        var text = ""
        var writes = 0
        var lines: [String] { text.split(separator: "\n").map(String.init) }
    }

    func rig(_ events: EventFilter = .default) throws -> (EventReporter, NodeHost, Out, TempDir) {
        let dir = TempDir("reporter")
        let host = try NodeHost(options: HostOptions(stateDir: dir.path, nick: "alice"), loop: EventLoop())
        let out = Out()
        let r = EventReporter(style: .json, events: events) { out.text += $0; out.writes += 1 }
        return (r, host, out, dir)
    }

    func status(holder: NodeID?, queued: Int) -> NodeStatus {
        NodeStatus(node: Self.me, nick: "alice", ring: Self.ring, holder: holder,
                   members: [.init(id: Self.me, nick: "alice", lag: 0), .init(id: Self.bob, nick: "bob", lag: 0)],
                   lag: 0, queued: queued, lastCheckpoint: nil)
    }

    @Test func aDeliveryIsOneStrictLineInTheDocumentedKeyOrder() throws {
        let (r, host, out, dir) = try rig()
        defer { dir.cleanup() }
        let nasty = "a\"b\\c\nd\re\tf\u{0}g\u{1B}[2Jh\u{7F}i\u{2028}j\u{2029}k é 漢 😀"
        let m = ChatMessage(id: MessageID(origin: Self.bob, incarnation: 2, counter: 7), nick: "bob", text: nasty, kind: .action,
                            slot: Slot(ring: Self.ring, seq: 9), timestamp: 1_700_000_000_123)
        r.report(.delivered(m, backfill: true), host: host)
        let line = try #require(out.lines.first)
        #expect(out.lines.count == 1)
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0x2028 || $0.value == 0x2029 })
        #expect(line.contains("\\u2028j\\u2029k") && line.contains("\\u001b[2J") && line.contains("\\u007f"))
        let keys = ["event", "id", "nick", "text", "kind", "ring", "seq", "ts", "backfill", "at"]
        let positions = keys.map { line.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil } && positions.map { $0! } == positions.map { $0! }.sorted(), "\(line)")
        struct Delivered: Decodable { var event, id, nick, text, kind, ring: String; var seq: UInt64; var ts: Int64; var backfill: Bool }
        let back = try JSONDecoder().decode(Delivered.self, from: Data(line.utf8))
        #expect(back.text == nasty && back.kind == "action" && back.seq == 9 && back.ts == 1_700_000_000_123 && back.backfill)
        #expect(back.id == m.id.text && back.ring == Self.ring.text && back.event == "delivered")
    }

    @Test(arguments: [(UInt64(0), UInt32(0), UInt32(0), UInt64(0)), (.max, .max, .max, .max), (0x00ab_0000_0000_0001, 10, 99, 1_000_000)])
    func idsAreRenderedAsTheirText(origin: UInt64, incarnation: UInt32, counter: UInt32, epoch: UInt64) throws {
        let (r, host, out, dir) = try rig()
        defer { dir.cleanup() }
        let ring = RingID(epoch: epoch, creator: NodeID(origin), incarnation: incarnation)
        let m = ChatMessage(id: MessageID(origin: NodeID(origin), incarnation: incarnation, counter: counter), nick: "n", text: "t",
                            kind: .text, slot: Slot(ring: ring, seq: 1), timestamp: 0)
        r.report(.delivered(m, backfill: false), host: host)
        let line = try #require(out.lines.first)
        #expect(line.contains("\"id\":\"\(m.id.text)\",") && line.contains("\"ring\":\"\(ring.text)\","), "\(line)")
    }

    /// Lines wait for the end of the loop turn and go out in one write; the
    /// status that changed three times in the turn is written once, last.
    @Test func aTurnIsOneWriteWithItsLastStatus() throws {
        let (r, host, out, dir) = try rig()
        defer { dir.cleanup() }
        var asked = 0
        r.requestFlush = { asked += 1 }
        for q in 1...3 { r.report(.status(status(holder: Self.bob, queued: q)), host: host) }
        r.report(.notice("hello"), host: host)
        #expect(out.writes == 0 && asked == 1)
        r.flush()
        #expect(out.writes == 1)
        #expect(out.lines.map { $0.contains("\"event\":\"status\"") } == [false, true], "\(out.lines)")
        #expect(out.lines.last?.contains("\"queued\":3") == true)
        // Nothing changed but the holder: no new status.
        r.report(.status(status(holder: Self.me, queued: 3)), host: host)
        r.flush()
        #expect(out.lines.count == 2)
    }

    @Test func theDefaultLeavesOutTheTokensEveryMove() throws {
        let (r, host, out, dir) = try rig()
        defer { dir.cleanup() }
        r.report(.status(status(holder: Self.bob, queued: 0)), host: host)
        r.report(.token(.granted(ring: Self.ring, hop: 3, from: Self.bob)), host: host)
        r.report(.token(.passed(ring: Self.ring, hop: 4, to: Self.bob)), host: host)
        r.report(.token(.ringChanged(old: nil, new: Self.ring)), host: host)
        let names = out.lines.compactMap { $0.split(separator: "\"")[safe: 3].map(String.init) }
        #expect(names == ["ring", "status"] || names == ["status", "ring"], "\(out.lines)")
        #expect(out.text.contains("ringChanged") && !out.text.contains("granted") && !out.text.contains("\"token\""))
    }

    @Test func allGivesTheTokensEveryMove() throws {
        let (r, host, out, dir) = try rig(.all)
        defer { dir.cleanup() }
        r.report(.status(status(holder: Self.bob, queued: 0)), host: host)
        r.report(.token(.granted(ring: Self.ring, hop: 3, from: Self.bob)), host: host)
        #expect(out.text.contains("\"event\":\"token\"") && out.text.contains("\"kind\":\"granted\""))
    }

    @Test(arguments: [("delivered", true), ("delivered,status", true), ("all", true), ("default", true),
                      ("delivered,nope", false), ("token,passes,ring", true), ("", true)])
    func theFilterParses(text: String, ok: Bool) {
        let r = EventFilter.parse(text)
        if case .success = r { #expect(ok) } else { #expect(!ok) }
    }

    /// A delivery names its room (`#lobby` for the lobby) right after its
    /// kind; a room's line is written only while the node is in the room
    /// (a node that joined none: the lobby's only), the server's log
    /// writes every room's, by name.
    @Test func aDeliveryNamesItsRoom() throws {
        let (r, host, out, dir) = try rig()
        defer { dir.cleanup() }
        func line(_ seq: UInt64, room: String) -> ChatMessage {
            ChatMessage(id: MessageID(origin: Self.bob, incarnation: 1, counter: UInt32(seq)), nick: "bob", text: "t\(seq)",
                        room: room, slot: Slot(ring: Self.ring, seq: seq), timestamp: 0)
        }
        r.report(.delivered(line(1, room: RoomName.lobby), backfill: false), host: host)
        r.report(.delivered(line(2, room: "#ops"), backfill: false), host: host)
        #expect(out.lines.count == 1 && out.lines[0].contains(##""kind":"text","room":"#lobby","ring":"##), "\(out.lines)")
        let logged = Out()
        let log = EventReporter(style: .log, events: .default) { logged.text += $0 }
        for s in [UInt64(1), 2] { log.report(.delivered(line(s, room: s == 1 ? RoomName.lobby : "#ops"), backfill: false), host: host) }
        #expect(logged.lines.count == 2 && logged.lines[1].hasSuffix(" #ops <bob> t2") && logged.lines[0].hasSuffix(" #lobby <bob> t1"),
                "\(logged.lines)")
    }

    @Test func onlyDeliveredMeansOnlyDeliveredAndTheFrame() throws {
        let (r, host, out, dir) = try rig(try EventFilter.parse("delivered").get())
        defer { dir.cleanup() }
        r.report(.status(status(holder: Self.bob, queued: 0)), host: host)
        r.report(.notice("x"), host: host)
        r.stopped(reason: "test")
        r.flush()
        #expect(out.lines.count == 1 && out.lines[0].contains("\"event\":\"stopped\""), "\(out.lines)")
    }
}

private extension Array {
    subscript(safe i: Int) -> Element? { indices.contains(i) ? self[i] : nil }
}
