/// The keyboard's meaning, free of ncurses: owns the line editor, the
/// history and the completion state, and turns key events into actions.
///
/// Bindings: Enter sends; Left/Right/Home/End and Ctrl-A/E move; Backspace,
/// Alt-B/Alt-F and Ctrl-Left/Right move by word; Backspace,
/// Delete, Ctrl-K (to end), Ctrl-U (to start), Ctrl-W (word) delete;
/// Ctrl-Y yanks; Up/Down walk the history; Tab completes nicks; PgUp/PgDn
/// and the mouse wheel scroll; Ctrl-L redraws; F2, F3, F9 as their commands;
/// Alt-1..9 (Alt-0: 10) switch windows. Ctrl-D quits on an
/// empty line and deletes forward otherwise (as in a shell), so a typed
/// draft is never lost to a stray key.
///
/// A bracketed paste is collected whole and judged by `PastePolicy`: a
/// long one waits for `y` or `n` (`pendingPaste`), every other key but a
/// resize ignored meanwhile, so a stray key cannot send it.
public struct InputController: Sendable {
    public var editor = LineEditor()
    public var history: InputHistory
    public private(set) var completion = TabCompletion()
    /// Inside the paste brackets: the text so far.
    public private(set) var pasting: String?
    /// A long paste waiting for `y` or `n`.
    public private(set) var pendingPaste: [String]?

    /// Rows one wheel notch scrolls (xterm and irssi use 3 to 5).
    public static let wheelRows = 3

    public init(historyLimit: Int = 500) { history = InputHistory(limit: historyLimit) }

    /// `nicks`: completion candidates, in the order to offer them.
    public mutating func handle(_ key: KeyEvent, nicks: [String] = []) -> InputAction {
        if key == .resize { return .resize }
        if let lines = pendingPaste { return answerPaste(key, lines) }
        if pasting != nil { return paste(key) }
        if key != .tab { completion.reset() }
        switch key {
        case .character(let c): editor.insert(String(c))
        case .enter:
            let line = editor.take()
            history.add(line)
            return CommandParser.parse(line).map(InputAction.command) ?? .none
        case .backspace, .ctrl("h"): editor.backspace()
        case .delete: editor.deleteForward()
        case .left, .ctrl("b"): editor.moveLeft()
        case .right, .ctrl("f"): editor.moveRight()
        case .ctrlLeft, .alt("b"): editor.moveWordLeft()
        case .ctrlRight, .alt("f"): editor.moveWordRight()
        case .home, .ctrl("a"): editor.moveHome()
        case .end, .ctrl("e"): editor.moveEnd()
        case .ctrl("k"): editor.killToEnd()
        case .ctrl("u"): editor.killToStart()
        case .ctrl("w"): editor.deleteWordBackward()
        case .ctrl("y"): editor.yank()
        case .ctrl("d"):
            if editor.isEmpty { return .command(.quit) }
            editor.deleteForward()
        case .up, .ctrl("p"):
            if let line = history.older(current: editor.text) { editor.setText(line) }
        case .down, .ctrl("n"):
            if let line = history.newer() { editor.setText(line) }
        case .tab: completion.complete(&editor, nicks: nicks)
        case .pageUp: return .pageUp
        case .pageDown: return .pageDown
        case .wheelUp: return .scroll(-Self.wheelRows)
        case .wheelDown: return .scroll(Self.wheelRows)
        case .pasteStart: pasting = ""
        case .ctrl("l"): return .redraw
        case .f(2): return .command(.checkpoint)
        case .f(3): return .command(.tokenLog)
        case .f(9): return .command(.crash)
        // irssi's window keys: Alt-1..9, Alt-0 for window 10 (Esc and the
        // digit in one read, as Alt-B/F).
        case .alt(let c) where c.isASCII && c.isNumber:
            let n = Int(String(c)) ?? 0
            return .command(.window(n == 0 ? 10 : n))
        default: break
        }
        return .none
    }

    private mutating func paste(_ key: KeyEvent) -> InputAction {
        switch key {
        case .character(let c): pasting?.append(c)
        case .enter: pasting?.append("\n")
        case .tab: pasting?.append(" ")
        case .pasteEnd:
            let text = pasting ?? ""
            pasting = nil
            switch PastePolicy.decide(text) {
            case .insert(let line): editor.insert(line)
            case .send(let lines): return lines.isEmpty ? .none : .paste(lines)
            case .ask(let lines): pendingPaste = lines
            }
        default: break  // arrows and the like have no place in pasted text
        }
        return .none
    }

    private mutating func answerPaste(_ key: KeyEvent, _ lines: [String]) -> InputAction {
        switch key {
        case .character("y"), .character("Y"):
            pendingPaste = nil
            return .paste(lines)
        case .character("n"), .character("N"), .escape, .ctrl("c"), .ctrl("g"):
            pendingPaste = nil
            return .pasteRefused(lines.count)
        default:
            return .none
        }
    }
}
