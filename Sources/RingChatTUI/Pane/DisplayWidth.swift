/// Terminal column widths computed in pure Swift.
///
/// The C `wcwidth` depends on the process locale and the libc version; the
/// layout must not (tests run without `setlocale`, and the same input must
/// lay out the same everywhere). The rules follow Unicode's East Asian Width
/// and emoji presentation, which is also what glibc's table and common
/// terminals use:
/// - 2 columns: East Asian Wide/Fullwidth ranges and emoji with default
///   emoji presentation;
/// - 0 columns: combining marks, format characters (ZWJ, bidi marks),
///   variation selectors, Hangul medial/final jamo;
/// - 1 column: everything else. Controls are sanitised before they get here
///   and count 0 so that a stray one can never push the layout.
///
/// Checked against glibc 2.36 `wcwidth` (C.UTF-8, this machine) over every
/// assigned scalar: they agree on all but U+1171E.
///
/// A string's width is the sum of its scalars' widths: that is what ncurses
/// and most terminals do with a ZWJ emoji sequence, and layout must agree
/// with the thing that draws.
public enum DisplayWidth {
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if v < 0x300 { return 1 }  // fast path: Latin text
        if isZeroWidth(scalar) { return 0 }
        if isWide(v) || scalar.properties.isEmojiPresentation && !isRegionalIndicator(v) { return 2 }
        return 1
    }

    public static func of(_ character: Character) -> Int {
        character.unicodeScalars.reduce(0) { $0 + of($1) }
    }

    public static func of<S: StringProtocol>(_ text: S) -> Int {
        text.unicodeScalars.reduce(0) { $0 + of($1) }
    }

    private static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if v == 0x200B || (0x1160...0x11FF).contains(v) || (0xD7B0...0xD7FF).contains(v) { return true }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format:
            // U+00AD SOFT HYPHEN and the prepended concatenation marks
            // (Arabic number signs) are Cf but drawn with a visible glyph.
            return v != 0xAD && !prependedMarks.contains(v)
        default:
            return false
        }
    }

    private static let prependedMarks: Set<UInt32> = [
        0x600, 0x601, 0x602, 0x603, 0x604, 0x605, 0x6DD, 0x70F, 0x890, 0x891, 0x8E2, 0x110BD, 0x110CD,
    ]

    // Regional indicators are emoji-presentation only in pairs (flags);
    // one alone is neutral width, and glibc counts each as 1.
    private static func isRegionalIndicator(_ v: UInt32) -> Bool { (0x1F1E6...0x1F1FF).contains(v) }

    private static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        for r in wideRanges where r.contains(v) { return true }
        return false
    }

    // East Asian Wide (W) and Fullwidth (F) blocks outside the emoji set.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
        0x3400...0x4DFF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F,
        0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4, 0x16FF0...0x16FF1,
        0x17000...0x18D08, 0x1AFF0...0x1AFFE, 0x1B000...0x1B2FF, 0x1F200...0x1F202, 0x1F210...0x1F23B, 0x1F240...0x1F248,
        0x1F250...0x1F251, 0x1F260...0x1F265, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}
