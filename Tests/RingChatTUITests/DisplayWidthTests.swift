import Testing
@testable import RingChatTUI

@Suite struct DisplayWidthTests {
    @Test(arguments: [
        ("a", 1), ("é", 1), ("中", 2), ("あ", 2), ("한", 2), ("Ａ", 2), ("😀", 2), ("🚀", 2),
        ("\u{0301}", 0), ("\u{200D}", 0), ("\u{FE0F}", 0), ("\u{E0100}", 0), ("\u{3000}", 2),
        ("\u{1F1EB}", 1), ("\u{00AD}", 1), ("─", 1), ("…", 1),
    ] as [(String, Int)])
    func scalarWidth(text: String, width: Int) {
        #expect(DisplayWidth.of(text.unicodeScalars.first!) == width)
    }

    @Test(arguments: [
        ("hello", 5), ("中文abc", 7), ("e\u{0301}", 1), ("👍🏽", 4), ("", 0),
        ("👨\u{200D}👩\u{200D}👧", 6), ("❤\u{FE0F}", 1), ("日本語テキスト", 14),
    ] as [(String, Int)])
    func stringWidth(text: String, width: Int) {
        #expect(DisplayWidth.of(text) == width)
    }

    @Test func controlsCountZero() {
        #expect(DisplayWidth.of("\u{1B}[2J") == 3)
        #expect(DisplayWidth.of(Unicode.Scalar(0x9B)!) == 0)
    }
}
