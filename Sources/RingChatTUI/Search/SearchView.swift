import RingChatCore
import RingChatSession


/// The result view of `/search WORDS` (and `/lastlog WORDS`): the lines of
/// the whole history on disk that hold every word, newest first, one row
/// each, in place of the conversation. Up/Down move the selection, PgUp/PgDn
/// a page (reading the next page of older hits when it gets there), Enter
/// shows the selected line in context, Esc returns to the conversation.
///
/// Pure: the controller feeds it the answers and the keys and draws its
/// rows.
struct SearchView {
    let query: SearchQuery
    /// What the user typed, for the header.
    let title: String
    private(set) var hits: [SearchHit] = []
    private(set) var selected = 0
    /// The first hit shown.
    private(set) var top = 0
    /// A query is out: the answer has not come yet.
    private(set) var waiting = true
    private(set) var mayHaveMore = false
    /// Where the next page starts: the last hit read, kept or not.
    private(set) var nextBefore: Int?
    private(set) var building = false
    private(set) var indexedLines = 0
    private(set) var error: String?
    /// How long the last answer took on the search thread.
    private(set) var micros = 0
    var utcOffsetSeconds = 0

    init(query: SearchQuery, title: String) {
        self.query = query
        self.title = title
    }

    /// What a key asks of the controller.
    enum Outcome: Equatable {
        /// Nothing (the view changed, or the key was not the view's).
        case none
        case close
        case jump(SearchHit)
        /// The next page: hits before this byte of the replica.
        case more(before: Int)
    }

    /// An answer: the first page, or the next one (appended); `keep`
    /// leaves out what this window does not show (another room's lines).
    mutating func received(_ a: SearchAnswer, keep: (SearchHit) -> Bool = { _ in true }) {
        hits += a.hits.filter(keep)
        nextBefore = a.hits.last?.offset ?? nextBefore
        waiting = false
        mayHaveMore = a.mayHaveMore
        building = a.building
        indexedLines = a.indexedLines
        error = a.error
        micros = a.micros
    }

    /// The keys the view takes; nil for the others (typing goes on in the
    /// input line).
    mutating func handle(_ key: KeyEvent, height: Int) -> Outcome? {
        let page = max(1, height - 2)
        switch key {
        case .escape: return .close
        case .up: move(-1, height: height)
        case .down: move(1, height: height)
        case .pageUp: move(-page, height: height)
        case .pageDown: move(page, height: height)
        case .home: move(-hits.count, height: height)
        case .end: move(hits.count, height: height)
        case .enter:
            return hits.indices.contains(selected) ? .jump(hits[selected]) : Outcome.none
        default: return nil
        }
        // Near the end of what is loaded: ask for older hits.
        if mayHaveMore, !waiting, let last = nextBefore, selected + page >= hits.count {
            waiting = true
            return .more(before: last)
        }
        return Outcome.none
    }

    private mutating func move(_ by: Int, height: Int) {
        guard !hits.isEmpty else { return }
        selected = min(max(0, selected + by), hits.count - 1)
        let shown = max(1, height - 1)
        if selected < top { top = selected }
        if selected >= top + shown { top = selected - shown + 1 }
    }

    /// The header, then a row per hit from `top`, at most `height` rows.
    func rows(width: Int, height: Int) -> [Row] {
        guard width > 0, height > 0 else { return [] }
        var out: [Row] = [header(width: width)]
        if hits.isEmpty {
            let text: String
            if let e = error {
                text = e
            } else if waiting {
                text = "searching…"
            } else {
                text = "no line holds " + (query.words.count == 1 ? "" : "all of ") + query.words.joined(separator: " ")
                    + (building ? " (the index is still being built: \(indexedLines) lines so far)" : "")
            }
            out.append(Row([Segment(Sanitizer.truncate(Sanitizer.text(text), toColumns: width), error == nil ? .dim : .error)]))
            return out
        }
        for i in top..<min(hits.count, top + height - 1) {
            out.append(row(hits[i], selected: i == selected, width: width))
        }
        return out
    }

    private func header(width: Int) -> Row {
        let count = "\(hits.count)\(mayHaveMore ? "+" : "") line\(hits.count == 1 && !mayHaveMore ? "" : "s")"
        let ms = micros >= 10_000 ? "\(micros / 1_000) ms" : "\(Double(micros / 10) / 100) ms"
        var text = "\(title) \(Sanitizer.text(query.words.joined(separator: " "))): "
            + (waiting && hits.isEmpty ? "searching…" : "\(count) in \(ms), newest first")
        if building { text += " (index being built: \(indexedLines) lines so far)" }
        text += " · Up/Down PgUp/PgDn · Enter: in context · Esc: back"
        return Row([Segment(Sanitizer.truncate(text, toColumns: width), .bold)])
    }

    private func row(_ h: SearchHit, selected: Bool, width: Int) -> Row {
        let m = h.message
        var r = Row()
        r.append(selected ? "▸ " : "  ", selected ? .highlight : .normal)
        r.append(TimeFormat.hhmm(wallClockMs: m.timestamp, utcOffsetSeconds: utcOffsetSeconds) + " ", .dim)
        let nick = Sanitizer.nick(m.nick)
        if m.kind == .action {
            r.append("* ", .normal)
            r.append(nick, .nick(NickColor.index(for: m.nick)))
            r.append(" ", .normal)
        } else {
            r.append("<", .normal)
            r.append(nick, .nick(NickColor.index(for: m.nick)))
            r.append("> ", .normal)
        }
        let room = max(0, width - r.width)
        r.append(Sanitizer.truncate(Sanitizer.text(m.text), toColumns: room), selected ? .bold : .normal)
        return r
    }
}
