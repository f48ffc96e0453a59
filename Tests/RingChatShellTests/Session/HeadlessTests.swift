#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct HeadlessTests {
    @Test func jsonEscapesEverythingThatCouldBreakALine() throws {
        let nasty = "a\"b\\c\nd\re\tf\u{0}g\u{1B}[2Jh\u{7F}i\u{2028}j é 漢 😀"
        let line = JSONValue.object([("event", "x"), ("text", .string(nasty)), ("n", .int(-3)), ("u", .uint(UInt64.max)),
                                     ("b", true), ("z", .null), ("a", .array([.int(1), .string("2")]))]).rendered
        #expect(!line.contains("\n") && !line.contains("\r") && !line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        #expect(line.hasPrefix("{\"event\":\"x\","))
        struct Line: Decodable { var event: String; var text: String; var n: Int; var u: UInt64; var b: Bool; var z: Int? }
        let back = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
        #expect(back.text == nasty)
        #expect(back.u == UInt64.max && back.n == -3 && back.b && back.z == nil)
    }

    /// The server's log prints peer text: no control of any kind (C0, C1,
    /// bidi) reaches the terminal that shows it, and a pile of combining
    /// marks is cut.
    @Test(arguments: ["\u{1B}]0;owned\u{07}", "\u{9B}2J", "x\u{202E}y\u{2066}", "a\nb\rc", "\u{85}\u{8D}"])
    func theLogLineCarriesNoControl(attack: String) {
        let line = TerminalSafety.oneLine("<" + attack + "> " + attack)
        #expect(!line.unicodeScalars.contains { TerminalSafety.isControl($0.value) }, "\(line.unicodeScalars.map { $0.value })")
        #expect(line.contains("\u{FFFD}"))
    }

    @Test func theLogCutsAPileOfCombiningMarks() {
        let line = TerminalSafety.oneLine("a" + String(repeating: "\u{0301}", count: 16))
        #expect(line.unicodeScalars.count == 1 + TerminalSafety.maxCombiningMarks)
    }

    @Test func lineSplitterKeepsTheUnfinishedTail() {
        var s = LineSplitter()
        #expect(s.feed(Array("one\ntw".utf8)) == ["one"])
        #expect(s.feed(Array("o\r\nthree".utf8)) == ["two"])
        #expect(s.finish() == "three")
        #expect(s.finish() == nil)
        #expect(s.feed([0xFF, 0x0A]) == ["\u{FFFD}"])
    }

    @Test func lineSplitterCutsOverlongLinesAndTakesAnyCollection() {
        var s = LineSplitter()
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: LineSplitter.maxLine)
        // A line of exactly maxLine bytes: cut there, then its newline ends an empty line.
        #expect(s.feed(long[..<10]) == [])
        #expect(s.feed(long[10...] + Array("\nnext\n".utf8)) == [String(repeating: "x", count: LineSplitter.maxLine), "", "next"])
        // Not contiguous: the same lines.
        #expect(s.feed(Array("a\r\nb\nc".utf8).lazy.map { $0 }) == ["a", "b"])
        #expect(s.finish() == "c")
    }

    @Test func commands() {
        #expect(HeadlessCommand.parse("hello") == .say("hello"))
        #expect(HeadlessCommand.parse("/checkpoint") == .checkpoint)
        #expect(HeadlessCommand.parse("/crash") == .crash)
        #expect(HeadlessCommand.parse("/me waves") == .action("waves"))
        #expect(HeadlessCommand.parse("/nick bob") == .nick("bob"))
        #expect(HeadlessCommand.parse("/nick al ice") == .unknown("invalid nick: a nick cannot contain spaces"))
        #expect(HeadlessCommand.parse("//etc/passwd") == .say("/etc/passwd"))
        #expect(HeadlessCommand.parse("   ") == .ignore)
        #expect(HeadlessCommand.parse("") == .ignore)
        if case .unknown = HeadlessCommand.parse("/frobnicate") {} else { Issue.record("unknown command accepted") }
        if case .unknown = HeadlessCommand.parse("/me") {} else { Issue.record("/me without text accepted") }
    }

    /// Rooms and private messages: a plain line stays a lobby line (even
    /// one starting with `#`); a room is named by a command, in any case,
    /// with or without its `#`; the lobby is nobody's to join or leave.
    @Test func roomCommands() {
        #expect(HeadlessCommand.parse("#1 is done") == .say("#1 is done"))
        #expect(HeadlessCommand.parse("/say #ops deploy at noon") == .line("deploy at noon", kind: .text, room: "#ops"))
        #expect(HeadlessCommand.parse("/say Ops  two  spaces") == .line("two  spaces", kind: .text, room: "#ops"))
        #expect(HeadlessCommand.parse("/say #lobby hi") == .line("hi", kind: .text, room: RoomName.lobby))
        #expect(HeadlessCommand.parse("/action #ops waves") == .line("waves", kind: .action, room: "#ops"))
        #expect(HeadlessCommand.parse("/join #ops,#Dev") == .join(["#ops", "#dev"]))
        #expect(HeadlessCommand.parse("/join ops ops") == .join(["#ops"]))
        #expect(HeadlessCommand.parse("/part #ops") == .part(["#ops"]))
        #expect(HeadlessCommand.parse("/list") == .list)
        #expect(HeadlessCommand.parse("/msg bob psst, the code") == .msg(nick: "bob", text: "psst, the code"))
        #expect(HeadlessCommand.parse("/whois bob") == .whois("bob"))
        for bad in ["/join", "/join #lobby", "/part #lobby", "/join #no!", "/join #" + String(repeating: "x", count: 32),
                    "/say #ops", "/say", "/say #b@d hi", "/msg bob", "/msg", "/whois", "/whois a b"] {
            if case .unknown = HeadlessCommand.parse(bad) {} else { Issue.record("\(bad) accepted: \(HeadlessCommand.parse(bad))") }
        }
    }

    /// Headless `/nick` refuses what `NickRule` refuses, in its words (the
    /// same error as `--nick` and the TUI's `/nick`).
    @Test(arguments: ["al ice", "/alice", "a\u{1B}b", "a\u{202E}b", String(repeating: "n", count: 33)])
    func nickUsesTheOneRule(nick: String) {
        #expect(HeadlessCommand.parse("/nick " + nick) == .unknown(NickRule.refusal(nick)!))
    }

    @Test func offlineReconcilerMergesAndReportsDisagreement() {
        let m = (1...4).map { Fixture.message($0) }
        var forged = m[2]
        forged.text = "forged"
        let a = OfflineReconciler.Replica(directory: "a", node: nil, messages: [m[0], m[1], m[2]], warnings: [])
        let b = OfflineReconciler.Replica(directory: "b", node: nil, messages: [m[3], m[1], forged, m[0]], warnings: [])
        let r = OfflineReconciler(replicas: [a, b])
        #expect(r.merged.map(\.id) == m.map(\.id))
        #expect(r.replicas[0].lacks.map(\.id) == [m[3].id])
        #expect(r.replicas[1].lacks.isEmpty)
        #expect(r.disagreements.count == 1)
        #expect(!r.allAgree)
        // The same result whatever the order of the dirs.
        let r2 = OfflineReconciler(replicas: [b, a])
        #expect(r2.merged == r.merged)
    }
}
