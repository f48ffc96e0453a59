import Testing
@testable import RingChatCore

/// One nick rule (`NickRule`) for every entry point; here the rule itself
/// and the node, which takes a nick from its shell as it is or not at all.
@Suite("Nick rule")
struct NickRuleTests {
    static let accepted = ["alice", "zoë", "中文", "a-b_c.d", "[x]", String(repeating: "x", count: 32),
                           String(repeating: "é", count: 16), "🎉"]

    static let refused: [(String, String)] = [
        ("", "a nick cannot be empty"),
        ("al ice", "a nick cannot contain spaces"),
        ("al\tice", "a nick cannot contain control characters"),
        ("a\u{3000}b", "a nick cannot contain spaces"),
        ("a\u{A0}b", "a nick cannot contain spaces"),
        ("alice ", "a nick cannot contain spaces"),
        ("a\u{1B}b", "a nick cannot contain control characters"),
        ("a\nb", "a nick cannot contain control characters"),
        ("a\u{7F}", "a nick cannot contain control characters"),
        ("a\u{85}", "a nick cannot contain control characters"),
        ("a\u{202E}b", "a nick cannot contain direction overrides"),
        ("a\u{2067}b", "a nick cannot contain direction overrides"),
        ("/alice", "a nick cannot start with /"),
        (String(repeating: "x", count: 33), "'\(String(repeating: "x", count: 33))' is 33 bytes, the limit is 32"),
        (String(repeating: "é", count: 17), "'\(String(repeating: "é", count: 17))' is 34 bytes, the limit is 32"),
    ]

    @Test("accepted", arguments: accepted)
    func accepts(nick: String) {
        #expect(NickRule.problem(nick) == nil)
        #expect(NickRule.refusal(nick) == nil)
        #expect(Node.validNick(nick) == nick)
    }

    @Test("refused, with the reason", arguments: refused)
    func refuses(nick: String, why: String) {
        #expect(NickRule.problem(nick) == why)
        #expect(NickRule.refusal(nick) == "invalid nick: " + why)
        #expect(Node.validNick(nick) == nil, "the node must not cut or clean a refused nick")
    }

    static func notices(_ e: [Effect]) -> [String] {
        e.compactMap { if case .notice(let n) = $0 { n } else { nil } }
    }

    @Test("the node refuses a nick change the rule refuses, says why, and keeps its nick",
          arguments: refused.map(\.0))
    func nodeRefusesSetNick(nick: String) {
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        _ = a.handle(.tick, now: .milliseconds(1))
        let e = a.handle(.setNick(nick), now: .milliseconds(2))
        #expect(a.nick == "alice")
        #expect(Self.notices(e) == [NickRule.refusal(nick)!])
        _ = a.handle(.setNick("bob"), now: .milliseconds(3))
        #expect(a.nick == "bob")
    }

    @Test("a node started with a refused nick runs as node-<id> and says so, never with a cut nick")
    func nodeStartsWithRefusedNick() {
        let long = String(repeating: "x", count: 40)
        let a = Node(id: nodeA, incarnation: 1, nick: long, seed: 1, now: .zero)
        #expect(a.nick == "node-\(nodeA.short)")
        let notices = Self.notices(a.handle(.tick, now: .milliseconds(1)))
        #expect(notices == ["\(NickRule.refusal(long)!); using node-\(nodeA.short)"])
    }
}
