/// What text from peers may never carry to a terminal as it is, shared by
/// the TUI's sanitizer and the server's log (both print peer text).
public enum TerminalSafety {
    /// C0 controls, DEL, C1 controls (among them the one-byte CSI, U+009B,
    /// which some terminals obey even in UTF-8), and the bidi embeddings,
    /// overrides and isolates, which reorder what is drawn around them.
    public static func isControl(_ v: UInt32) -> Bool {
        v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v)
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }

    /// Combining marks kept on one base character; more (a "zalgo" pile)
    /// are dropped from the display so they cannot spill over the rows
    /// above and below. No script needs more than a few.
    public static let maxCombiningMarks = 4

    public static func isCombining(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .spacingMark: return true
        default: return false
        }
    }

    /// A log line never spans lines, and nothing a peer put in its text
    /// acts on the terminal that shows the log: controls (C0, C1, bidi)
    /// become U+FFFD, a pile of combining marks is cut.
    public static func oneLine(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var marks = 0
        for scalar in s.unicodeScalars {
            marks = TerminalSafety.isCombining(scalar) ? marks + 1 : 0
            if marks > TerminalSafety.maxCombiningMarks { continue }
            out.append(TerminalSafety.isControl(scalar.value) ? "\u{FFFD}" : scalar)
        }
        return String(out)
    }
}
