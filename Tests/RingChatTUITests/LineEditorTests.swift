import Testing
@testable import RingChatTUI

@Suite struct LineEditorTests {
    @Test func insertAndMoveByGraphemeCluster() {
        var e = LineEditor()
        e.insert("ae\u{0301}🇫🇷b")
        #expect(e.characters.count == 4)
        e.moveLeft()
        e.backspace()  // removes the whole flag
        #expect(e.text == "ae\u{0301}b")
        e.moveLeft()
        #expect(e.cursor == 1)
        e.deleteForward()  // removes é as one
        #expect(e.text == "ab")
    }

    @Test func combiningMarkTypedAfterLetterMerges() {
        var e = LineEditor(text: "e")
        e.insert("\u{0301}")
        #expect(e.characters.count == 1)
        #expect(e.cursor == 1)
    }

    @Test func homeEndAndBounds() {
        var e = LineEditor(text: "abc")
        e.moveHome()
        e.moveLeft()
        e.backspace()
        #expect(e.cursor == 0 && e.text == "abc")
        e.moveEnd()
        e.moveRight()
        e.deleteForward()
        #expect(e.cursor == 3 && e.text == "abc")
    }

    @Test func cursorColumnCountsWideCharacters() {
        var e = LineEditor(text: "中a😀")
        #expect(e.cursorColumn == 5)
        e.moveLeft()
        #expect(e.cursorColumn == 3)
    }

    @Test func killsAndYank() {
        var e = LineEditor(text: "hello big world")
        e.moveHome()
        for _ in 0..<6 { e.moveRight() }
        e.killToEnd()
        #expect(e.text == "hello ")
        #expect(e.killBuffer == "big world")
        e.killToStart()
        #expect(e.text == "" && e.killBuffer == "hello ")
        e.yank()
        #expect(e.text == "hello " && e.cursor == 6)
    }

    @Test(arguments: [
        ("hello big world", "hello big "),
        ("hello big world  ", "hello big "),
        ("one", ""),
        ("path/to/file x", "path/to/file "),
        ("", ""),
    ])
    func ctrlWDeletesPreviousWord(text: String, expected: String) {
        var e = LineEditor(text: text)
        e.deleteWordBackward()
        #expect(e.text == expected)
    }

    @Test func ctrlWInTheMiddle() {
        var e = LineEditor(text: "aa bb cc")
        e.moveLeft(); e.moveLeft(); e.moveLeft()
        e.deleteWordBackward()
        #expect(e.text == "aa  cc")
        #expect(e.cursor == 3)
    }

    @Test func controlsAreDroppedTabsBecomeSpaces() {
        var e = LineEditor()
        e.insert("a\u{1B}[2Jb\tc\u{9B}\u{202E}d\n")
        #expect(e.text == "a[2Jb cd")
    }

    @Test func takeEmpties() {
        var e = LineEditor(text: "hi")
        #expect(e.take() == "hi")
        #expect(e.isEmpty && e.cursor == 0)
    }

    @Test func shortLineIsShownWhole() {
        var e = LineEditor(text: "hello")
        let v = e.view(width: 10)
        #expect(v == InputView(text: "hello", cursorColumn: 5))
    }

    @Test func longLineScrollsToKeepCursorVisible() {
        var e = LineEditor()
        for ch in "abcdefghijklmnopqrstuvwxyz" {
            e.insert(String(ch))
            let v = e.view(width: 10)
            #expect(v.cursorColumn >= 0 && v.cursorColumn < 10)
            #expect(DisplayWidth.of(v.text) <= 10)
            #expect(v.text.hasSuffix(String(ch)))
        }
        e.moveHome()
        let v = e.view(width: 10)
        #expect(v.cursorColumn == 0)
        #expect(v.text == "abcdefghij")
    }

    @Test func viewDoesNotScrollWhileCursorStaysVisible() {
        var e = LineEditor(text: String(repeating: "x", count: 30))
        let first = e.view(width: 10)
        let scroll = e.scrollColumn
        e.moveLeft()
        let second = e.view(width: 10)
        #expect(second.cursorColumn == first.cursorColumn - 1)
        #expect(e.scrollColumn == scroll)
    }

    @Test func wideCharacterCutByLeftEdgeBecomesSpace() {
        let e = LineEditor(text: String(repeating: "中", count: 20))
        for width in 3...12 {
            var copy = e
            for _ in 0..<7 { copy.moveLeft() }
            let v = copy.view(width: width)
            #expect(DisplayWidth.of(v.text) <= width, "width \(width)")
            #expect(v.cursorColumn >= 0 && v.cursorColumn < width, "width \(width)")
            // The cursor sits on the first column of a character, never
            // inside a wide one: the text before it is exactly that wide.
            var col = 0
            var onBoundary = false
            for ch in v.text {
                if col == v.cursorColumn { onBoundary = true }
                col += DisplayWidth.of(ch)
            }
            if col == v.cursorColumn { onBoundary = true }
            #expect(onBoundary, "width \(width): cursor \(v.cursorColumn) in \(v.text)")
        }
    }

    @Test func replaceSetsCursorAfterNewText() {
        var e = LineEditor(text: "hi al there")
        e.replace(3..<5, with: "alice")
        #expect(e.text == "hi alice there")
        #expect(e.cursor == 8)
    }
}
