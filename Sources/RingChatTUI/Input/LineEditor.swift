/// The input line: an editable string with a cursor, moved by grapheme
/// cluster (one user-perceived character: `é` built from e + U+0301 or a
/// flag is one step, one Backspace).
///
/// Control characters are never stored: the terminal turns them into key
/// events, and a paste that still carries some has them dropped, so the
/// line the user sends is the line the user saw.
public struct LineEditor: Hashable, Sendable {
    public private(set) var characters: [Character]
    /// Position in `characters`: 0 is before the first one.
    public private(set) var cursor: Int
    /// What Ctrl-K/U/W last removed, for Ctrl-Y.
    public private(set) var killBuffer = ""
    /// First display column shown; kept between frames so the view only
    /// jumps when the cursor would leave it.
    public private(set) var scrollColumn = 0

    public init(text: String = "") {
        characters = Array(Self.clean(text))
        cursor = characters.count
    }

    public var text: String { String(characters) }
    public var isEmpty: Bool { characters.isEmpty }

    /// The cursor's display column from the start of the text.
    public var cursorColumn: Int { DisplayWidth.of(String(characters[..<cursor])) }

    public mutating func insert(_ text: String) {
        let new = Array(Self.clean(text))
        characters.insert(contentsOf: new, at: cursor)
        cursor += new.count
        // A combining mark typed after a letter merges with it: re-split so
        // the cursor still counts whole clusters.
        let before = String(characters[..<cursor])
        characters = Array(before + String(characters[cursor...]))
        cursor = min(before.count, characters.count)
    }

    /// Replaces the whole line (history recall, checkpoint restore).
    public mutating func setText(_ text: String) {
        characters = Array(Self.clean(text))
        cursor = characters.count
    }

    /// Empties the line and returns what it held (Enter).
    @discardableResult
    public mutating func take() -> String {
        let t = text
        characters = []
        cursor = 0
        scrollColumn = 0
        return t
    }

    public mutating func backspace() {
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func deleteForward() {
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    public mutating func moveLeft() { cursor = max(0, cursor - 1) }
    public mutating func moveRight() { cursor = min(characters.count, cursor + 1) }
    public mutating func moveHome() { cursor = 0 }
    public mutating func moveEnd() { cursor = characters.count }

    /// Alt-B, Ctrl-Left: to the start of this or the previous word, as in
    /// readline and irssi (`backward-word`: words are letters and digits).
    public mutating func moveWordLeft() {
        while cursor > 0, !Self.isWord(characters[cursor - 1]) { cursor -= 1 }
        while cursor > 0, Self.isWord(characters[cursor - 1]) { cursor -= 1 }
    }

    /// Alt-F, Ctrl-Right: to the end of this or the next word.
    public mutating func moveWordRight() {
        while cursor < characters.count, !Self.isWord(characters[cursor]) { cursor += 1 }
        while cursor < characters.count, Self.isWord(characters[cursor]) { cursor += 1 }
    }

    private static func isWord(_ c: Character) -> Bool { c.isLetter || c.isNumber }

    /// Moves to a cluster index (clamped): used by tab completion.
    public mutating func moveTo(_ index: Int) { cursor = max(0, min(characters.count, index)) }

    /// Ctrl-K: delete from the cursor to the end.
    public mutating func killToEnd() {
        guard cursor < characters.count else { return }
        killBuffer = String(characters[cursor...])
        characters.removeSubrange(cursor...)
    }

    /// Ctrl-U: delete from the start to the cursor.
    public mutating func killToStart() {
        guard cursor > 0 else { return }
        killBuffer = String(characters[..<cursor])
        characters.removeSubrange(..<cursor)
        cursor = 0
    }

    /// Ctrl-W: delete the word before the cursor and the spaces after it,
    /// as in readline (`unix-word-rubout`: words end at whitespace).
    public mutating func deleteWordBackward() {
        var start = cursor
        while start > 0, characters[start - 1].isWhitespace { start -= 1 }
        while start > 0, !characters[start - 1].isWhitespace { start -= 1 }
        guard start < cursor else { return }
        killBuffer = String(characters[start..<cursor])
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    /// Ctrl-Y: insert the last killed text.
    public mutating func yank() { insert(killBuffer) }

    /// Replaces the clusters in `range` and puts the cursor after the new text.
    public mutating func replace(_ range: Range<Int>, with text: String) {
        let lo = max(0, min(range.lowerBound, characters.count))
        let hi = max(lo, min(range.upperBound, characters.count))
        let new = Array(Self.clean(text))
        characters.replaceSubrange(lo..<hi, with: new)
        cursor = lo + new.count
    }

    /// Lays the line out in `width` columns: what to draw and where the
    /// cursor goes. Scrolls horizontally only when the cursor would leave the
    /// view, then by a third of the width so typing does not scroll on every
    /// key. A wide character cut by the left edge is shown as a space.
    public mutating func view(width: Int) -> InputView {
        guard width > 0 else { return InputView(text: "", cursorColumn: 0) }
        let cursorCol = cursorColumn
        let total = DisplayWidth.of(text)
        let jump = max(1, width / 3)
        // The cursor may sit after the last column (end of line), so it
        // needs one column of its own.
        if total < width {
            scrollColumn = 0
        } else if cursorCol < scrollColumn {
            scrollColumn = max(0, cursorCol - jump)
        } else if cursorCol > scrollColumn + width - 1 {
            scrollColumn = cursorCol - width + 1 + jump
        }
        scrollColumn = max(0, min(scrollColumn, cursorCol))

        var out = ""
        var col = 0
        var used = 0
        for ch in characters {
            let w = DisplayWidth.of(ch)
            defer { col += w }
            if col < scrollColumn {
                if col + w > scrollColumn {
                    let pad = col + w - scrollColumn
                    out += String(repeating: " ", count: min(pad, width - used))
                    used += min(pad, width - used)
                }
                continue
            }
            if used + w > width { break }
            out.append(ch)
            used += w
        }
        return InputView(text: out, cursorColumn: cursorCol - scrollColumn)
    }

    // Control characters (and the bidi overrides) have no business in a
    // line we are about to send; tabs become spaces.
    private static func clean(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            let v = s.value
            if v == 0x09 { out.append(" "); continue }
            if v < 0x20 || (0x7F...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) {
                continue
            }
            out.append(s)
        }
        return String(out)
    }
}
