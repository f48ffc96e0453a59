import Testing
import RingChatCore
@testable import RingChatTUI

@Suite struct CommandParserTests {
    @Test(arguments: [
        ("hello", Command.say("hello")),
        ("  spaced  ", .say("  spaced  ")),
        ("//etc/passwd", .say("/etc/passwd")),
        ("/me waves", .me("waves")),
        ("/ME  waves  twice ", .me("waves  twice")),
        ("/me", .invalid("usage: /me ACTION")),
        ("/nick bob", .nick("bob")),
        ("/nick 中文", .nick("中文")),
        ("/nick", .invalid("usage: /nick NAME")),
        ("/nick bob smith", .invalid("invalid nick: a nick cannot contain spaces")),
        ("/nick " + String(repeating: "x", count: 33),
         .invalid("invalid nick: '\(String(repeating: "x", count: 33))' is 33 bytes, the limit is 32")),
        ("/nick " + String(repeating: "é", count: 17),
         .invalid("invalid nick: '\(String(repeating: "é", count: 17))' is 34 bytes, the limit is 32")),
        ("/nick " + String(repeating: "x", count: 32), .nick(String(repeating: "x", count: 32))),
        ("/nick a\u{1B}b", .invalid("invalid nick: a nick cannot contain control characters")),
        ("/nick a\u{202E}b", .invalid("invalid nick: a nick cannot contain direction overrides")),
        ("/who", .who),
        ("/help", .help),
        ("/checkpoint", .checkpoint),
        ("/crash", .crash),
        ("/crash now", .invalid("/crash takes no arguments")),
        ("/tokenlog", .tokenLog),
        ("/TokenLog", .tokenLog),
        ("/tokenlog passes", .invalid("/tokenlog takes no arguments")),
        ("/quit", .quit),
        ("/quit bye all", .quit),
        ("/nikc bob", .unknown("nikc")),
        ("/", .invalid("empty command: type //text to send a line starting with /")),
        ("/ x", .invalid("empty command: type //text to send a line starting with /")),
    ] as [(String, Command)])
    func parses(line: String, expected: Command) {
        #expect(CommandParser.parse(line) == expected)
    }

    @Test(arguments: ["", "   ", "\t"])
    func blankIsNothing(line: String) {
        #expect(CommandParser.parse(line) == nil)
    }

    @Test func unknownCommandsAreNeverSaid() {
        for line in ["/foo", "/msg bob hi", "/join #x"] {
            if case .say = CommandParser.parse(line) { Issue.record("\(line) would be sent") }
        }
    }

    /// Windows, rooms and private messages (irssi's commands).
    @Test(arguments: [
        ("/join #ops", Command.join(["#ops"])),
        ("/join Ops", .join(["#ops"])),
        ("/j #a,#b  c,#a", .join(["#a", "#b", "#c"])),
        ("/join #lobby", .join([""])),
        ("/join", .invalid("usage: /join #NAME (several: /join #a,#b)")),
        ("/join #no!", .invalid("not a room name: #no! (# then 1-31 of a-z 0-9 - _ .)")),
        ("/join #" + String(repeating: "x", count: 32), .invalid("not a room name: #" + String(repeating: "x", count: 32) + " (# then 1-31 of a-z 0-9 - _ .)")),
        ("/part", .part(nil)),
        ("/close", .part(nil)),
        ("/part #Ops", .part("#ops")),
        ("/part #a b", .invalid("not a room name: #a b (# then 1-31 of a-z 0-9 - _ .)")),
        ("/list", .list),
        ("/list #x", .invalid("/list takes no arguments")),
        ("/window 2", .window(2)),
        ("/win 12", .window(12)),
        ("/window 0", .invalid("usage: /window N (Alt-1..9 too)")),
        ("/window", .invalid("usage: /window N (Alt-1..9 too)")),
        ("/msg bob the  secret ", .msg(nick: "bob", text: "the  secret")),
        ("/msg bob", .invalid("usage: /msg NICK TEXT")),
        ("/msg", .invalid("usage: /msg NICK TEXT")),
        ("/msg /bob hi", .invalid(NickRule.refusal("/bob")!)),
        ("/query carol", .query("carol")),
        ("/query", .invalid("usage: /query NICK")),
        ("/query a b", .invalid("usage: /query NICK")),
        ("/whois carol", .whois("carol")),
        ("/whois", .invalid("usage: /whois NICK")),
    ] as [(String, Command)])
    func windowCommands(line: String, expected: Command) {
        #expect(CommandParser.parse(line) == expected)
    }

    /// `/nick` refuses what `NickRule` (RingChatCore) refuses, with its
    /// words: the same error as `--nick` and headless `/nick`.
    @Test(arguments: ["al ice", "/alice", "a\u{3000}b", "a\u{7}b", "a\u{202E}b", String(repeating: "n", count: 33)])
    func nickUsesTheOneRule(nick: String) {
        #expect(CommandParser.parse("/nick " + nick) == .invalid(NickRule.refusal(nick)!))
    }

    @Test(arguments: ["alice", "zoë", String(repeating: "n", count: 32)])
    func nickAcceptsWhatTheRuleAccepts(nick: String) {
        #expect(NickRule.problem(nick) == nil)
        #expect(CommandParser.parse("/nick " + nick) == .nick(nick))
    }
}
