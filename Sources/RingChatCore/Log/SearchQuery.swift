/// The words of `/search` and `/lastlog` and what they find: the
/// vocabulary shared by the search index (RingChatStorage's `SearchIndex`,
/// SQLite FTS5), the search thread and the result view. Pure values.

/// One line found: where it is in the replica, and the message.
public struct SearchHit: Sendable, Equatable {
    public var offset: Int
    public var message: ChatMessage
    public init(offset: Int, message: ChatMessage) {
        self.offset = offset
        self.message = message
    }
}

/// What the user typed after `/search`, as an FTS5 query: every word must
/// appear (in the nick or the text, any case, accents ignored); `word*`
/// matches a prefix, `nick:bob` or `text:word` one column. Everything else
/// is quoted, so no input is FTS5 syntax (`AND`, `NEAR`, quotes, `-`).
public struct SearchQuery: Sendable, Equatable {
    public let words: [String]
    public let fts: String
    /// Only the lines of this room (its wire form: "" the lobby, `#name`);
    /// nil: every room. A private message is never found (never indexed:
    /// its text is sealed).
    public var room: String?

    /// nil when there is no word to look for.
    public init?(_ input: String, room: String? = nil) {
        self.room = room
        var parts: [String] = []
        var words: [String] = []
        for raw in input.split(whereSeparator: \.isWhitespace) {
            var w = String(raw)
            var column = ""
            for c in ["nick:", "text:"] where w.lowercased().hasPrefix(c) && w.count > c.count {
                column = String(c.dropLast()) + " : "
                w = String(w.dropFirst(c.count))
            }
            var prefix = false
            if w.hasSuffix("*") && w.count > 1 { prefix = true; w.removeLast() }
            // Only letters and digits make tokens (unicode61): a word of
            // punctuation alone would match nothing, or be an error.
            guard w.unicodeScalars.contains(where: { $0.properties.isAlphabetic || $0.properties.numericType != nil }) else { continue }
            words.append(w)
            parts.append(column + "\"" + w.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" + (prefix ? " *" : ""))
        }
        guard !parts.isEmpty else { return nil }
        self.words = words
        fts = parts.joined(separator: " AND ")
    }
}
