/// A key press, decoded from ncurses by the terminal shell.
public enum KeyEvent: Hashable, Sendable {
    /// Printable text (never a control character).
    case character(Character)
    case enter, backspace, delete, tab, escape
    case left, right, up, down, home, end, pageUp, pageDown
    /// Function key F1...F12.
    case f(Int)
    /// Ctrl plus a lowercase letter, e.g. `.ctrl("w")`.
    case ctrl(Character)
    /// The terminal changed size (ncurses' KEY_RESIZE).
    case resize
    /// Alt (Meta) plus a character: Esc and the character in one read.
    case alt(Character)
    /// Ctrl-Left and Ctrl-Right.
    case ctrlLeft, ctrlRight
    /// The mouse wheel, one notch.
    case wheelUp, wheelDown
    /// The brackets of a bracketed paste (`ESC[200~` … `ESC[201~`): what
    /// comes between is pasted, not typed, Enter included.
    case pasteStart, pasteEnd

    /// Decodes a character `wget_wch` returned with OK. Returns nil for what
    /// has no meaning here (NUL, the other C0 codes, C1 controls).
    public static func fromCharacterCode(_ code: UInt32) -> KeyEvent? {
        switch code {
        case 0x0D, 0x0A: return .enter  // `nonl` makes Enter arrive as CR
        case 0x09: return .tab
        case 0x08, 0x7F: return .backspace  // terminals send either for Backspace
        case 0x1B: return .escape
        case 0x01...0x1A: return .ctrl(Character(Unicode.Scalar(UInt8(0x60 + code))))
        case 0x00...0x1F, 0x80...0x9F: return nil
        default:
            guard let s = Unicode.Scalar(code) else { return nil }
            return .character(Character(s))
        }
    }
}
