/// The keyboard's meaning, free of ncurses: owns the line editor, the
/// history and the completion state, and turns key events into actions.
///
/// Bindings: Enter sends; Left/Right/Home/End and Ctrl-A/E move; Backspace,
/// Delete, Ctrl-K (to end), Ctrl-U (to start), Ctrl-W (word) delete;
/// Ctrl-Y yanks; Up/Down walk the history; Tab completes nicks; PgUp/PgDn
/// scroll; Ctrl-L redraws; F2, F3, F9 as their commands. Ctrl-D quits on an
/// empty line and deletes forward otherwise (as in a shell), so a typed
/// draft is never lost to a stray key.
public struct InputController: Sendable {
    public var editor = LineEditor()
    public var history: InputHistory
    public private(set) var completion = TabCompletion()

    public init(historyLimit: Int = 500) { history = InputHistory(limit: historyLimit) }

    /// `nicks`: completion candidates, in the order to offer them.
    public mutating func handle(_ key: KeyEvent, nicks: [String] = []) -> InputAction {
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
        case .ctrl("l"): return .redraw
        case .f(2): return .command(.checkpoint)
        case .f(3): return .command(.tokenLog)
        case .f(9): return .command(.crash)
        case .resize: return .resize
        default: break
        }
        return .none
    }
}
