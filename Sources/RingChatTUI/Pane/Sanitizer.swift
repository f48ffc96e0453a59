import RingChatCore

/// Turns text from the network into text that is safe to hand to the
/// terminal: nothing a peer sends can move the cursor, set the title,
/// clear the screen or reorder what is drawn around it.
///
/// - C0 controls and DEL in caret notation: ESC → `^[`, BEL → `^G`,
///   NUL → `^@`, DEL → `^?`. An escape sequence thus shows as plain text
///   (`^[[2J`) and does nothing.
/// - C1 controls (U+0080–U+009F, among them the one-byte CSI U+009B) and
///   the bidi embeddings, overrides and isolates (U+202A–U+202E,
///   U+2066–U+2069) as `<U+XXXX>`: they have no printable form.
/// - Line breaks (CR, LF, CRLF, VT, FF, NEL, U+2028, U+2029): a run of them
///   becomes one `↵`, so a multi-line paste stays visibly multi-line but
///   can never fake a new chat line with its own timestamp and nick.
/// - Tab: in message text, 4 spaces (there are no tab stops in a wrapped
///   pane); in a nick, `^I`.
/// - A combining mark at the very start gets a dotted-circle base (U+25CC)
///   so it cannot fuse with whatever is drawn before it; more than
///   `TerminalSafety.maxCombiningMarks` on one base are dropped (the
///   replica keeps the text as sent).
///
/// Everything else passes unchanged, so the result is idempotent.
public enum Sanitizer {
    public static func text(_ input: String) -> String {
        sanitize(input, tab: "    ")
    }

    /// A nick for display: sanitised like text, with whitespace shown as `_`
    /// (a nick with spaces could mimic `<alice> hi`), and cut to
    /// `maxNickColumns` with `…`.
    public static func nick(_ input: String, maxColumns: Int = maxNickColumns) -> String {
        var s = sanitize(input, tab: "^I")
        s = String(String.UnicodeScalarView(s.unicodeScalars.map { $0.properties.isWhitespace ? "_" : $0 }))
        if s.isEmpty { s = "?" }
        return truncate(s, toColumns: maxColumns)
    }

    public static let maxNickColumns = 24

    /// Cuts at a grapheme boundary so the result plus `…` fits `columns`.
    public static func truncate(_ s: String, toColumns columns: Int) -> String {
        guard DisplayWidth.of(s) > columns else { return s }
        guard columns > 0 else { return "" }
        var out = ""
        var used = 0
        for ch in s {
            let w = DisplayWidth.of(ch)
            if used + w > columns - 1 { break }
            out.append(ch)
            used += w
        }
        return out + "…"
    }

    private static func sanitize(_ input: String, tab: String) -> String {
        var out = String.UnicodeScalarView()
        var lastWasBreak = false
        var marks = 0   // combining marks on the current base
        for scalar in input.unicodeScalars {
            let combining = TerminalSafety.isCombining(scalar)
            marks = combining ? marks + 1 : 0
            if marks > TerminalSafety.maxCombiningMarks { continue }
            let v = scalar.value
            if isLineBreak(v) {
                if !lastWasBreak { out.append("↵") }
                lastWasBreak = true
                continue
            }
            lastWasBreak = false
            if v == 0x09 {
                out.append(contentsOf: tab.unicodeScalars)
            } else if v < 0x20 {
                out.append("^")
                out.append(Unicode.Scalar(UInt8(v + 0x40)))
            } else if v == 0x7F {
                out.append(contentsOf: "^?".unicodeScalars)
            } else if TerminalSafety.isControl(v) {
                out.append(contentsOf: codePoint(v).unicodeScalars)
            } else {
                if out.isEmpty && combining { out.append("\u{25CC}") }
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func isLineBreak(_ v: UInt32) -> Bool {
        v == 0x0A || v == 0x0B || v == 0x0C || v == 0x0D || v == 0x85 || v == 0x2028 || v == 0x2029
    }

    private static func codePoint(_ v: UInt32) -> String {
        let hex = String(v, radix: 16, uppercase: true)
        return "<U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ">"
    }
}
