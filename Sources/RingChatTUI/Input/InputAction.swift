/// What a key press asks the app to do.
public enum InputAction: Hashable, Sendable {
    /// Nothing for the app beyond redrawing the input line (or nothing at all).
    case none
    /// Enter on a non-blank line, or a function key standing for a command
    /// (F2 checkpoint, F9 crash, F3 token log, Ctrl-D quit).
    case command(Command)
    case pageUp, pageDown
    /// The mouse wheel: rows to scroll, negative up.
    case scroll(Int)
    /// Lines pasted: send them all, as text, in one token visit.
    case paste([String])
    /// A long paste was refused at `paste N lines? y/n`.
    case pasteRefused(Int)
    /// Ctrl-L: repaint the whole screen.
    case redraw
    /// The terminal changed size: call `Terminal.resized()` and redraw.
    case resize
}
