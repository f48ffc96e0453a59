import Testing
@testable import RingChatTUI

/// Bracketed paste, word motions and the wheel, through `InputController`.
@Suite struct InputMannersTests {
    func paste(_ c: inout InputController, _ text: String) -> [InputAction] {
        var keys: [KeyEvent] = [.pasteStart]
        for ch in text { keys.append(ch == "\n" ? .enter : .character(ch)) }
        keys.append(.pasteEnd)
        return keys.map { c.handle($0) }
    }

    @Test func aShortPasteIsSentAndAOneLinerIsEdited() {
        var c = InputController()
        #expect(paste(&c, "one\ntwo\n").last == .paste(["one", "two"]))
        #expect(c.editor.isEmpty)
        // Enter inside the brackets never sends by itself.
        #expect(!paste(&c, "one\ntwo\n").dropLast().contains { $0 != .none })
        _ = paste(&c, "just this")
        #expect(c.editor.text == "just this")
    }

    @Test func aLongPasteAsksThenSends() {
        var c = InputController()
        let lines = (1...20).map { "line \($0)" }
        #expect(paste(&c, lines.joined(separator: "\n")).last == InputAction.none)
        #expect(c.pendingPaste == lines)
        // Other keys do nothing while asked; a resize still gets through.
        #expect(c.handle(.character("x")) == .none)
        #expect(c.handle(.enter) == .none)
        #expect(c.handle(.resize) == .resize)
        #expect(c.editor.isEmpty)
        #expect(c.handle(.character("y")) == .paste(lines))
        #expect(c.pendingPaste == nil)

        _ = paste(&c, lines.joined(separator: "\n"))
        #expect(c.handle(.character("n")) == .pasteRefused(20))
        #expect(c.pendingPaste == nil)
        c.handle(.character("z"))
        #expect(c.editor.text == "z")
    }

    @Test func wordMotions() {
        var c = InputController()
        for ch in "hello big, world" { c.handle(.character(ch)) }
        c.handle(.alt("b"))
        #expect(c.editor.cursor == 11)
        c.handle(.ctrlLeft)
        #expect(c.editor.cursor == 6)
        c.handle(.alt("b"))
        #expect(c.editor.cursor == 0)
        c.handle(.alt("f"))
        #expect(c.editor.cursor == 5)
        c.handle(.ctrlRight)
        #expect(c.editor.cursor == 9)
        c.handle(.ctrlRight)
        #expect(c.editor.cursor == 16)
    }

    @Test func wheelScrollsThreeRows() {
        var c = InputController()
        #expect(c.handle(.wheelUp) == .scroll(-3))
        #expect(c.handle(.wheelDown) == .scroll(3))
    }

    @Test func newCommands() {
        #expect(CommandParser.parse("/names") == .names)
        #expect(CommandParser.parse("/away gone to lunch") == .away("gone to lunch"))
        #expect(CommandParser.parse("/away") == .away(nil))
        #expect(CommandParser.parse("/back") == .away(nil))
        #expect(CommandParser.parse("/clear") == .clear)
        #expect(CommandParser.parse("/bell off") == .bell(.off))
        #expect(CommandParser.parse("/bell ALL") == .bell(.all))
        #expect(CommandParser.parse("/bell") == .bell(nil))
        #expect(CommandParser.parse("/bell loud") == .invalid("usage: /bell off|mentions|all"))
    }
}
