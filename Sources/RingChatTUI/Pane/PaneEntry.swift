/// One line of the message pane, before layout.
public struct PaneEntry<Key: Comparable & Sendable>: Sendable {
    public enum Kind: Hashable, Sendable {
        /// `<nick> text`; `isOwn` shows the nick in bold instead of its colour.
        case chat(nick: String, text: String, isOwn: Bool)
        /// `* nick action`
        case action(nick: String, text: String, isOwn: Bool)
        /// `-!- text`, dimmed or not (a join is news, a note about lag is not).
        case system(text: String, dim: Bool)
        /// Token traffic: dimmed.
        case token(text: String)
        /// `-!- text` in the error style.
        case error(text: String)
        /// The read marker: where you left the live conversation.
        case marker
    }

    public var kind: Kind
    /// Wall-clock time in milliseconds since the Unix epoch, for `HH:MM`.
    public var timestamp: Int64
    /// Where a chat line sits in the agreed order; nil for local lines,
    /// which are placed at the bottom when they happen.
    public var sortKey: Key?
    /// A peer's line that names you: drawn highlighted.
    public var mention = false
    /// Finds a local line again to rewrite it in place (your send's token
    /// story); nil for lines that never change.
    public var tag: Int?

    public init(kind: Kind, timestamp: Int64, sortKey: Key? = nil, mention: Bool = false, tag: Int? = nil) {
        self.kind = kind
        self.timestamp = timestamp
        self.sortKey = sortKey
        self.mention = mention
        self.tag = tag
    }

    /// The read marker's text (also what tests look for).
    public static var markerText: String { "──── read up to here ────" }

    /// The same entry with every string made safe for the terminal. The
    /// pane stores only sanitised entries, so layout never sees a control.
    func sanitized() -> PaneEntry {
        var e = self
        switch kind {
        case let .chat(nick, text, own): e.kind = .chat(nick: Sanitizer.nick(nick), text: Sanitizer.text(text), isOwn: own)
        case let .action(nick, text, own): e.kind = .action(nick: Sanitizer.nick(nick), text: Sanitizer.text(text), isOwn: own)
        case let .system(text, dim): e.kind = .system(text: Sanitizer.text(text), dim: dim)
        case let .token(text): e.kind = .token(text: Sanitizer.text(text))
        case let .error(text): e.kind = .error(text: Sanitizer.text(text))
        case .marker: break
        }
        return e
    }

    /// Prefix (time, nick) and body segments, the two parts `LineWrapper` needs.
    func layoutParts(utcOffsetSeconds: Int) -> (prefix: [Segment], body: [Segment]) {
        let time = Segment(TimeFormat.hhmm(wallClockMs: timestamp, utcOffsetSeconds: utcOffsetSeconds) + " ", .dim)
        func nickStyle(_ nick: String, _ own: Bool) -> Style { mention ? .mention : own ? .bold : .nick(NickColor.index(for: nick)) }
        let bodyStyle: Style = mention ? .mention : .normal
        switch kind {
        case let .chat(nick, text, own):
            return ([time, Segment("<"), Segment(nick, nickStyle(nick, own)), Segment("> ")], [Segment(text, bodyStyle)])
        case let .action(nick, text, own):
            return ([time, Segment(" * "), Segment(nick, nickStyle(nick, own)), Segment(" ")], [Segment(text, bodyStyle)])
        case let .system(text, dim):
            return ([time, Segment("-!- ", .dim)], [Segment(text, dim ? .dim : .normal)])
        case let .token(text):
            return ([time, Segment("-·- ", .dim)], [Segment(text, .dim)])
        case let .error(text):
            return ([time, Segment("-!- ", .error)], [Segment(text, .error)])
        case .marker:
            return ([time, Segment("-!- ", .dim)], [Segment(Self.markerText, .highlight)])
        }
    }
}
