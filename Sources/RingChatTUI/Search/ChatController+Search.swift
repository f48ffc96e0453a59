import RingChatCore
import RingChatSession

/// What the message pane shows while a search is open: the results, or
/// one result in context (a pane of its own over the replica, so the
/// conversation's window stays as it was).
struct SearchMode {
    var view: SearchView
    /// Enter on a result: the lines around it; Esc returns to the results.
    var context: ChatPane<Slot>?
    /// Bumped per query: an answer to an older one is dropped.
    var serial: UInt64
}

/// `/search WORDS` and `/lastlog WORDS` in the chat screen: the query goes
/// to the search thread (never the loop), the answer fills `SearchView`,
/// Enter shows the line in context, Esc steps back.
extension ChatController {
    /// Lines of context read on each side of a result.
    static let contextLines = 100
    /// Results read per query (and per further page).
    static let searchPage = 200

    func startSearch(_ words: String, lastlog: Bool) {
        guard let query = SearchQuery(words) else { return }
        var view = SearchView(query: query, title: lastlog ? "lastlog" : "search")
        view.utcOffsetSeconds = pane.utcOffsetSeconds
        let serial = (search?.serial ?? 0) &+ 1
        search = SearchMode(view: view, context: nil, serial: serial)
        ask(query, before: nil, serial: serial)
    }

    /// A search finds the lines of the window's room (irssi's `/lastlog`
    /// is per window too); private lines are not in the index's reach (it
    /// holds their sealed text). A page with none of the room's lines is
    /// followed by the next at once.
    private func ask(_ query: SearchQuery, before: Int?, serial: UInt64) {
        let room = windows.current.room, me = backend.nodeID
        backend.search(query, before: before, limit: Self.searchPage) { [weak self] answer in
            guard let self, self.search?.serial == serial else { return }
            let had = self.search?.view.hits.count ?? 0
            self.search?.view.received(answer) { $0.message.kind != .private && WindowList.key(of: $0.message, me: me) == room }
            if self.search?.view.hits.count == had, answer.mayHaveMore, let next = answer.hits.last?.offset {
                self.ask(query, before: next, serial: serial)
            }
            self.markDirty()
        }
    }

    /// A key while a search is open: true when the search took it.
    func searchKey(_ key: KeyEvent) -> Bool {
        guard var mode = search else { return false }
        let (w, h) = paneSize
        if var ctx = mode.context {
            switch key {
            case .escape: mode.context = nil
            case .pageUp:
                if ctx.rowsAboveView(width: w, height: h, limit: h) < h, let first = ctx.firstKey {
                    ctx.prepend(entries(backend.history(before: first, limit: Self.historyPage), in: windows.current.room))
                }
                ctx.pageUp(width: w, height: h)
                mode.context = ctx
            case .pageDown:
                if ctx.rowsBelowView(width: w, limit: h) < h, let last = ctx.lastKey {
                    let newer = backend.history(after: last, limit: Self.historyPage)
                    ctx.appendNewer(entries(newer, in: windows.current.room), reachedEnd: true)
                }
                ctx.pageDown(width: w, height: h)
                mode.context = ctx
            case .enter where input.editor.isEmpty: break
            default: return false
            }
            search = mode
            return true
        }
        // Enter with a line typed sends it (and closes the search).
        if key == .enter && !input.editor.isEmpty { return false }
        guard let outcome = mode.view.handle(key, height: h) else { return false }
        switch outcome {
        case .none: search = mode
        case .close: search = nil
        case .more(let before):
            search = mode
            ask(mode.view.query, before: before, serial: mode.serial)
        case .jump(let hit):
            mode.context = contextPane(around: hit.message, width: w, height: h)
            search = mode
        }
        return true
    }

    /// The lines around `m` from the replica, `m` below a marker line, the
    /// view scrolled so that it sits mid-pane.
    private func contextPane(around m: ChatMessage, width w: Int, height h: Int) -> ChatPane<Slot> {
        var ctx = ChatPane<Slot>(capacity: pane.capacity)
        ctx.utcOffsetSeconds = pane.utcOffsetSeconds
        let room = windows.current.room
        for e in entries(backend.history(before: m.slot, limit: Self.contextLines), in: room) { ctx.add(e) }
        ctx.addSystem("found by /search (Esc: back to the results, PgUp/PgDn: scroll):", dim: false, timestamp: m.timestamp)
        let at = ctx.count
        ctx.add(entry(m))
        for e in entries(backend.history(after: m.slot, limit: Self.contextLines), in: room) { ctx.add(e) }
        var below = 0
        for i in stride(from: at + 1, to: ctx.count, by: 1) { below += ctx.rows(of: i, width: w).count }
        let up = below - (h - 1) / 2
        if up > 0 { ctx.scrollUp(rows: up, width: w, height: h) }
        return ctx
    }

    /// The rows of the open search, or nil when none is open.
    func searchRows(width: Int, height: Int) -> [Row]? {
        guard let mode = search else { return nil }
        if let ctx = mode.context { return ctx.visibleRows(width: width, height: height) }
        return mode.view.rows(width: width, height: height)
    }
}
