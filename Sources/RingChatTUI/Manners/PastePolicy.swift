/// What to do with a bracketed paste, by its number of lines: a line or a
/// few go out as typed; a long paste (a log, a file) asks first, because
/// sending it by mistake floods everyone's screen and cannot be taken back.
public enum PastePolicy {
    /// More lines than this ask `paste N lines? y/n`.
    public static let askAbove = 5

    public enum Decision: Hashable, Sendable {
        /// One line without a newline: put it on the input line to edit.
        case insert(String)
        /// Send these lines now.
        case send([String])
        /// Ask before sending these.
        case ask([String])
    }

    /// `text`: what arrived between the paste brackets, newlines as `\n`
    /// (CR, LF or CRLF). Blank lines are dropped: they would be refused
    /// as empty messages anyway.
    public static func decide(_ text: String) -> Decision {
        // CRLF is one Character in Swift, and `isNewline`.
        let pieces = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        if pieces.count == 1 { return .insert(pieces[0]) }
        let lines = pieces.filter { !$0.allSatisfy(\.isWhitespace) }
        return lines.count > askAbove ? .ask(lines) : .send(lines)
    }

    /// The question on the input line.
    public static func question(_ count: Int) -> String { "paste \(count) lines? y/n" }
}
