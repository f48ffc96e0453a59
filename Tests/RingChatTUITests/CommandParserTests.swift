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
