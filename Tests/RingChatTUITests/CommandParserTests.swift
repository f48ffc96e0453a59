import Testing
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
        ("/nick bob smith", .invalid("invalid nick: no spaces allowed")),
        ("/nick " + String(repeating: "x", count: 33), .invalid("invalid nick: longer than 32 bytes")),
        ("/nick " + String(repeating: "é", count: 17), .invalid("invalid nick: longer than 32 bytes")),
        ("/nick " + String(repeating: "x", count: 32), .nick(String(repeating: "x", count: 32))),
        ("/nick a\u{1B}b", .invalid("invalid nick: no control characters allowed")),
        ("/nick a\u{202E}b", .invalid("invalid nick: no direction overrides allowed")),
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

    @Test func nickRule() {
        #expect(NickRule.problem(with: "alice") == nil)
        #expect(NickRule.problem(with: "") == "empty")
        #expect(NickRule.problem(with: "/alice") == "must not start with /")
        #expect(NickRule.problem(with: "a\u{3000}b") == "no spaces allowed")
    }
}
