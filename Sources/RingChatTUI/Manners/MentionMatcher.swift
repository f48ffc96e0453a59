/// Decides whether a line names you: your nick or one of the
/// `--highlight` words, as a whole word in any case (irssi's rule: `bob`
/// in "hi Bob!" or "@bob:" but not in "bobby" or "kebob").
///
/// A word boundary is anything that is not a letter, digit or `_`, so the
/// punctuation people put around a nick (`bob:`, `@bob`, `<bob>`) still
/// matches.
public struct MentionMatcher: Hashable, Sendable {
    /// Lowercased, non-empty.
    public private(set) var words: [String]

    public init(nick: String, highlights: [String] = []) {
        words = []
        setNick(nick, highlights: highlights)
    }

    /// After `/nick`: the old nick no longer calls you.
    public mutating func setNick(_ nick: String, highlights: [String]? = nil) {
        let extra = highlights ?? Array(words.dropFirst())
        var seen = Set<String>()
        words = ([nick] + extra).map { $0.lowercased() }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    public func matches(_ text: String) -> Bool {
        let hay = Array(text.lowercased())
        for w in words {
            let needle = Array(w)
            guard needle.count <= hay.count else { continue }
            var i = 0
            while i + needle.count <= hay.count {
                if hay[i..<(i + needle.count)].elementsEqual(needle),
                   i == 0 || !Self.isWordCharacter(hay[i - 1]),
                   i + needle.count == hay.count || !Self.isWordCharacter(hay[i + needle.count]) {
                    return true
                }
                i += 1
            }
        }
        return false
    }

    static func isWordCharacter(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
}
