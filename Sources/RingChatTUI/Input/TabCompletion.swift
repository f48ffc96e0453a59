/// Nick completion of the word before the cursor, irssi style: the first
/// Tab inserts the first match, each further Tab replaces it with the next
/// one (cycling). At the start of the line the nick gets `: ` (addressing
/// someone), elsewhere a space.
///
/// Any other key should call `reset()`; a Tab after the line changed
/// (detected by comparing with the state it left) starts over anyway.
public struct TabCompletion: Hashable, Sendable {
    private var session: Session?

    private struct Session: Hashable, Sendable {
        var start: Int          // cluster index where the completed word begins
        var matches: [String]
        var index: Int
        var inserted: Int       // clusters inserted by the last completion
        // The line as the last completion left it (text and cursor only:
        // drawing moves the scroll column in between).
        var afterText: [Character]
        var afterCursor: Int

        func unchanged(_ e: LineEditor) -> Bool { e.characters == afterText && e.cursor == afterCursor }
    }

    public init() {}

    public var isActive: Bool { session != nil }

    public mutating func reset() { session = nil }

    /// Completes in `editor` from `nicks` (in the order to offer them, e.g.
    /// most recent speakers first). Returns false when nothing matched.
    @discardableResult
    public mutating func complete(_ editor: inout LineEditor, nicks: [String]) -> Bool {
        if var s = session, s.unchanged(editor), s.matches.count > 1 {
            s.index = (s.index + 1) % s.matches.count
            apply(&s, to: &editor)
            session = s
            return true
        }
        if let s = session, s.unchanged(editor) { return true }  // one match: nothing to cycle

        session = nil
        let chars = editor.characters
        var start = editor.cursor
        while start > 0, !chars[start - 1].isWhitespace { start -= 1 }
        let word = String(chars[start..<editor.cursor])
        guard !word.isEmpty else { return false }
        let lower = word.lowercased()
        var seen = Set<String>()
        let matches = nicks.filter { $0.lowercased().hasPrefix(lower) && seen.insert($0).inserted }
        guard !matches.isEmpty else { return false }
        var s = Session(start: start, matches: matches, index: 0, inserted: editor.cursor - start,
                            afterText: [], afterCursor: 0)
        apply(&s, to: &editor)
        session = s
        return true
    }

    private func apply(_ s: inout Session, to editor: inout LineEditor) {
        let suffix = s.start == 0 ? ": " : " "
        let replacement = s.matches[s.index] + suffix
        editor.replace(s.start..<(s.start + s.inserted), with: replacement)
        s.inserted = editor.cursor - s.start
        s.afterText = editor.characters
        s.afterCursor = editor.cursor
    }
}
