/// What a key press asks the app to do.
public enum InputAction: Hashable, Sendable {
    /// Nothing for the app beyond redrawing the input line (or nothing at all).
    case none
    /// Enter on a non-blank line, or a function key standing for a command
    /// (F2 checkpoint, F9 crash, F3 token log, Ctrl-D quit).
    case command(Command)
    case pageUp, pageDown
    /// Ctrl-L: repaint the whole screen.
    case redraw
    /// The terminal changed size: call `Terminal.resized()` and redraw.
    case resize
}
