/// Lines the user sent, walked with Up/Down as in a shell. The line being
/// typed when Up is first pressed is kept and comes back at the bottom.
public struct InputHistory: Hashable, Sendable {
    public private(set) var entries: [String] = []
    public let limit: Int
    /// Index into `entries` being shown, or nil when at the draft.
    public private(set) var position: Int?
    private var draft = ""

    public init(limit: Int = 500) { self.limit = max(1, limit) }

    public var isBrowsing: Bool { position != nil }

    /// Records a sent line (not blank ones, not an immediate repeat) and
    /// returns to the bottom.
    public mutating func add(_ line: String) {
        position = nil
        draft = ""
        guard !line.allSatisfy(\.isWhitespace), entries.last != line else { return }
        entries.append(line)
        if entries.count > limit { entries.removeFirst(entries.count - limit) }
    }

    /// Up: the previous line, or nil at the oldest. `current` is the line on
    /// screen; it is kept as the draft when leaving the bottom.
    public mutating func older(current: String) -> String? {
        guard !entries.isEmpty else { return nil }
        let next: Int
        if let p = position {
            guard p > 0 else { return nil }
            next = p - 1
        } else {
            draft = current
            next = entries.count - 1
        }
        position = next
        return entries[next]
    }

    /// Down: the next line, the saved draft past the newest, nil at the bottom.
    public mutating func newer() -> String? {
        guard let p = position else { return nil }
        if p + 1 < entries.count {
            position = p + 1
            return entries[p + 1]
        }
        position = nil
        return draft
    }

    /// Restores saved history (e.g. from a checkpoint's UI state).
    public mutating func load(_ lines: [String]) {
        entries = Array(lines.suffix(limit))
        position = nil
        draft = ""
    }
}
