import Testing
@testable import RingChatTUI

@Suite struct KeyEventTests {
    @Test(arguments: [
        (0x0D, KeyEvent.enter), (0x0A, .enter), (0x09, .tab), (0x7F, .backspace), (0x08, .backspace),
        (0x1B, .escape), (0x01, .ctrl("a")), (0x17, .ctrl("w")), (0x04, .ctrl("d")), (0x0C, .ctrl("l")),
        (0x61, .character("a")), (0x4E2D, .character("中")), (0x1F600, .character("😀")),
    ] as [(UInt32, KeyEvent)])
    func decodes(code: UInt32, event: KeyEvent) {
        #expect(KeyEvent.fromCharacterCode(code) == event)
    }

    @Test(arguments: [0x00, 0x1C, 0x1F, 0x80, 0x9B, 0xD800] as [UInt32])
    func ignores(code: UInt32) {
        #expect(KeyEvent.fromCharacterCode(code) == nil)
    }
}

@Suite struct InputControllerTests {
    func type(_ text: String, into c: inout InputController) {
        for ch in text { _ = c.handle(.character(ch)) }
    }

    @Test func enterSendsAndRemembers() {
        var c = InputController()
        type("hello", into: &c)
        #expect(c.handle(.enter) == .command(.say("hello")))
        #expect(c.editor.isEmpty)
        #expect(c.handle(.enter) == InputAction.none)
        _ = c.handle(.up)
        #expect(c.editor.text == "hello")
    }

    @Test func commandsAndFunctionKeys() {
        var c = InputController()
        type("/nick bob", into: &c)
        #expect(c.handle(.enter) == .command(.nick("bob")))
        type("/bogus", into: &c)
        #expect(c.handle(.enter) == .command(.unknown("bogus")))
        #expect(c.handle(.f(2)) == .command(.checkpoint))
        #expect(c.handle(.f(3)) == .command(.tokenLog))
        #expect(c.handle(.f(9)) == .command(.crash))
        #expect(c.handle(.pageUp) == .pageUp)
        #expect(c.handle(.pageDown) == .pageDown)
        #expect(c.handle(.ctrl("l")) == .redraw)
        #expect(c.handle(.resize) == .resize)
    }

    /// Alt-1..9 switch windows (Alt-0 is window 10), as in irssi; Alt-B/F
    /// still move by word.
    @Test(arguments: Array(zip("1234567890", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])))
    func altDigitsSwitchWindows(key: Character, window: Int) {
        var c = InputController()
        type("draft", into: &c)
        #expect(c.handle(.alt(key)) == .command(.window(window)))
        #expect(c.editor.text == "draft")
    }

    @Test func ctrlDQuitsOnlyOnEmptyLine() {
        var c = InputController()
        type("ab", into: &c)
        _ = c.handle(.home)
        #expect(c.handle(.ctrl("d")) == InputAction.none)
        #expect(c.editor.text == "b")
        _ = c.handle(.ctrl("k"))
        #expect(c.handle(.ctrl("d")) == .command(.quit))
    }

    @Test func editingKeys() {
        var c = InputController()
        type("hello world", into: &c)
        _ = c.handle(.ctrl("w"))
        #expect(c.editor.text == "hello ")
        _ = c.handle(.ctrl("a"))
        _ = c.handle(.right)
        _ = c.handle(.ctrl("k"))
        #expect(c.editor.text == "h")
        _ = c.handle(.ctrl("e"))
        type("i", into: &c)
        _ = c.handle(.left)
        _ = c.handle(.delete)
        #expect(c.editor.text == "h")
        _ = c.handle(.backspace)
        #expect(c.editor.isEmpty)
        type("xyz", into: &c)
        _ = c.handle(.ctrl("u"))
        #expect(c.editor.isEmpty)
    }

    @Test func historyKeepsDraft() {
        var c = InputController()
        type("first", into: &c); _ = c.handle(.enter)
        type("draft", into: &c)
        _ = c.handle(.up)
        #expect(c.editor.text == "first")
        _ = c.handle(.down)
        #expect(c.editor.text == "draft")
    }

    @Test func tabCompletesAndOtherKeysEndTheCycle() {
        var c = InputController()
        let nicks = ["alice", "albert"]
        type("al", into: &c)
        _ = c.handle(.tab, nicks: nicks)
        #expect(c.editor.text == "alice: ")
        _ = c.handle(.tab, nicks: nicks)
        #expect(c.editor.text == "albert: ")
        type("hi", into: &c)
        #expect(!c.completion.isActive)
        #expect(c.editor.text == "albert: hi")
    }
}
