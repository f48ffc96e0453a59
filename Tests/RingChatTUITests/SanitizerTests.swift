import Testing
import RingChatCore
@testable import RingChatTUI

@Suite struct SanitizerTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("\u{1B}[2J", "^[[2J"),
        ("\u{1B}]0;pwned\u{07}", "^[]0;pwned^G"),
        ("a\u{7F}b", "a^?b"),
        ("\u{00}", "^@"),
        ("\u{9B}31m", "<U+009B>31m"),
        ("\u{85}", "↵"),
        ("abc\u{202E}cba", "abc<U+202E>cba"),
        ("\u{2066}x\u{2069}", "<U+2066>x<U+2069>"),
        ("one\ntwo", "one↵two"),
        ("one\r\n\r\ntwo", "one↵two"),
        ("a\tb", "a    b"),
        ("\u{0301}x", "\u{25CC}\u{0301}x"),
        ("中文 😀", "中文 😀"),
    ] as [(String, String)])
    func text(input: String, expected: String) {
        #expect(Sanitizer.text(input) == expected)
    }

    @Test(arguments: ["\u{1B}[H\u{1B}[2J", "\u{9B}1;1H", "x\u{8}\u{8}\u{8}", "\u{1B}P+q\u{1B}\\", "\r\u{1B}[K"])
    func noControlSurvives(attack: String) {
        let out = Sanitizer.text(attack) + Sanitizer.nick(attack)
        for s in out.unicodeScalars {
            #expect(s.value >= 0x20 && !(0x7F...0x9F).contains(s.value), "control \(s.value) survived")
        }
    }

    /// 32 bytes of combining acute accents on one letter: four stay (no
    /// script needs more), the rest would pile up over other rows.
    @Test func aPileOfCombiningMarksIsCut() {
        let pile = "a" + String(repeating: "\u{0301}", count: 16) + "b"
        #expect(pile.utf8.count == 34)
        #expect(Sanitizer.text(pile) == "a" + String(repeating: "\u{0301}", count: TerminalSafety.maxCombiningMarks) + "b")
        #expect(Sanitizer.text("e\u{0301}\u{0323}") == "e\u{0301}\u{0323}", "ordinary accents are left alone")
        #expect(Sanitizer.nick(pile).unicodeScalars.count <= 2 + TerminalSafety.maxCombiningMarks)
    }

    @Test func idempotent() {
        let once = Sanitizer.text("\u{1B}[31mred\u{9B}\u{202E}\n\t")
        #expect(Sanitizer.text(once) == once)
    }

    @Test func nickHidesWhitespaceAndIsCut() {
        #expect(Sanitizer.nick("alice> <bob") == "alice>_<bob")
        #expect(Sanitizer.nick("a\tb") == "a^Ib")
        #expect(Sanitizer.nick("") == "?")
        let long = Sanitizer.nick(String(repeating: "x", count: 100))
        #expect(DisplayWidth.of(long) == Sanitizer.maxNickColumns)
        #expect(long.hasSuffix("…"))
        let wide = Sanitizer.nick(String(repeating: "中", count: 30))
        #expect(DisplayWidth.of(wide) <= Sanitizer.maxNickColumns)
    }
}
