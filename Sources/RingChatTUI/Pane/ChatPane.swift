/// The message pane's scrollback: entries in display order, laid out into
/// rows on demand, with a scroll position that survives new lines.
///
/// Chat lines carry a sort key (the app uses the agreed order, e.g. a
/// `Slot`): a late message, say one a healed partition delivers, goes to
/// its place in that order rather than to the bottom. A chat line whose key
/// is already present replaces it, so feeding the same message twice (a
/// replay after a simulated crash) never shows it twice. Local lines
/// (system, token, error) have no key and are placed at the bottom.
///
/// Scrolling is anchored to the bottom visible entry, not counted from the
/// end, so lines arriving while the user reads history do not move the
/// text under their eyes; they count as `unread` until the bottom is
/// reached again.
///
/// The pane is a window of at most `capacity` entries over a history that
/// may be far longer (it lives in the replica): older lines are put in
/// front with `prepend` as the user scrolls back, which may push the
/// newest ones out (`detached`: the window no longer reaches the live end);
/// `appendNewer` brings them back as the user scrolls down.
public struct ChatPane<Key: Comparable & Sendable>: Sendable {
    public typealias Entry = PaneEntry<Key>

    /// Entries beyond this are dropped, oldest first.
    public let capacity: Int
    /// For the `HH:MM` column; the app sets the local offset.
    public var utcOffsetSeconds = 0
    /// Entries added below the view while scrolled back.
    public private(set) var unread = 0

    // Entries live in storage[head...]: dropping the oldest only moves
    // `head`, and the array is compacted now and then, so a full pane takes
    // a new line in amortised O(1) rather than shifting 10 000 entries.
    private var storage: [Entry] = []
    private var head = 0
    /// The bottom visible row: entry index and how many of that entry's rows
    /// lie below the view. nil: following the bottom.
    private var anchor: (index: Int, rowsBelow: Int)?
    /// Newer chat lines exist beyond the bottom of the window (dropped to
    /// make room for older ones): new chat lines are not added (they are
    /// read back later), local lines wait in `deferred`.
    public private(set) var detached = false
    private var deferred: [Entry] = []
    static var maxDeferred: Int { 500 }

    public init(capacity: Int = 10_000) { self.capacity = max(1, capacity) }

    public var count: Int { storage.count - head }
    public var entries: [Entry] { Array(storage[head...]) }
    public subscript(i: Int) -> Entry { storage[head + i] }

    /// True when the view is not at the bottom: the status bar's `-- more --`.
    public var scrolledBack: Bool { anchor != nil }

    // MARK: adding

    public mutating func add(_ entry: Entry) {
        let e = entry.sanitized()
        if detached {
            if let key = e.sortKey {
                // Beyond the window: it is read back when the view gets there.
                if lastKey.map({ key > $0 }) ?? true { unread += 1; return }
            } else {
                deferred.append(e)
                if deferred.count > Self.maxDeferred { deferred.removeFirst() }
                unread += 1
                return
            }
        }
        var pos = count
        if let key = e.sortKey {
            // Chat keys are kept sorted; late lines are usually recent, so
            // scan from the end.
            var j = count - 1
            while j >= 0 {
                if let k = self[j].sortKey {
                    if k == key { storage[head + j] = e; return }
                    if k < key { break }
                    pos = j
                }
                j -= 1
            }
        }
        storage.insert(e, at: head + pos)
        if let a = anchor {
            if pos <= a.index { anchor = (a.index + 1, a.rowsBelow) } else { unread += 1 }
        }
        trim()
    }

    public mutating func addChat(nick: String, text: String, isOwn: Bool = false, action: Bool = false, timestamp: Int64, sortKey: Key) {
        let kind: Entry.Kind = action ? .action(nick: nick, text: text, isOwn: isOwn) : .chat(nick: nick, text: text, isOwn: isOwn)
        add(Entry(kind: kind, timestamp: timestamp, sortKey: sortKey))
    }

    public mutating func addSystem(_ text: String, dim: Bool = false, timestamp: Int64) {
        add(Entry(kind: .system(text: text, dim: dim), timestamp: timestamp))
    }

    public mutating func addToken(_ text: String, timestamp: Int64) {
        add(Entry(kind: .token(text: text), timestamp: timestamp))
    }

    public mutating func addError(_ text: String, timestamp: Int64) {
        add(Entry(kind: .error(text: text), timestamp: timestamp))
    }

    /// Rewrites the newest local line tagged `tag` in place (your send's
    /// token story); false when it has left the window.
    @discardableResult
    public mutating func update(tag: Int, _ change: (inout Entry) -> Void) -> Bool {
        for j in stride(from: deferred.count - 1, through: 0, by: -1) where deferred[j].tag == tag {
            change(&deferred[j])
            deferred[j] = deferred[j].sanitized()
            return true
        }
        for j in stride(from: count - 1, through: 0, by: -1) where self[j].tag == tag {
            change(&storage[head + j])
            storage[head + j] = storage[head + j].sanitized()
            return true
        }
        return false
    }

    // MARK: the read marker

    /// Where the read marker is, if it is in the window.
    public var readMarkerIndex: Int? {
        (0..<count).last { if case .marker = self[$0].kind { true } else { false } }
    }

    /// You leave the live end (scroll back, F3): the marker moves to the
    /// bottom, so the lines that arrive meanwhile are the ones below it.
    public mutating func placeReadMarker(timestamp: Int64) {
        if let i = readMarkerIndex { remove(at: i) }
        add(Entry(kind: .marker, timestamp: timestamp))
    }

    /// Back at the live end: a marker with nothing after it marks nothing.
    public mutating func dropIdleReadMarker() {
        if let i = readMarkerIndex, i == count - 1 { remove(at: i) }
    }

    private mutating func remove(at i: Int) {
        storage.remove(at: head + i)
        if let a = anchor {
            if i < a.index { anchor = (a.index - 1, a.rowsBelow) } else if i == a.index { anchor = (max(0, a.index - 1), 0) }
            if count == 0 { anchor = nil }
        }
    }

    public mutating func removeAll() {
        storage = []
        head = 0
        anchor = nil
        unread = 0
        detached = false
        deferred = []
    }

    // MARK: the window over a longer history

    /// The oldest and newest sort keys in the window.
    public var firstKey: Key? {
        for i in 0..<count { if let k = self[i].sortKey { return k } }
        return nil
    }

    public var lastKey: Key? {
        for i in stride(from: count - 1, through: 0, by: -1) { if let k = self[i].sortKey { return k } }
        return nil
    }

    /// Puts older chat entries (oldest first, all before `firstKey`) at the
    /// top, keeping the view where it is; beyond `capacity` the newest
    /// entries leave the window, which is then `detached`.
    public mutating func prepend(_ older: [Entry]) {
        let first = firstKey
        let add = older.map { $0.sanitized() }.filter { e in e.sortKey.map { k in first.map { k < $0 } ?? true } ?? false }
        guard !add.isEmpty else { return }
        if head >= add.count {
            head -= add.count
            storage.replaceSubrange(head..<(head + add.count), with: add)
        } else {
            storage.replaceSubrange(0..<head, with: add)
            head = 0
        }
        if let a = anchor {
            anchor = (a.index + add.count, a.rowsBelow)
        } else {
            // Following the bottom: keep showing the same (bottom) rows.
            anchor = (count - 1, 0)
        }
        let over = count - capacity
        guard over > 0 else { return }
        storage.removeLast(over)
        detached = true
        if let a = anchor, a.index >= count { anchor = (count - 1, 0) }
    }

    /// Puts newer chat entries (oldest first, all after `lastKey`) at the
    /// bottom; `reachedEnd` says they are the newest there are, so the
    /// window follows the live end again (with the local lines kept aside).
    public mutating func appendNewer(_ newer: [Entry], reachedEnd: Bool) {
        let wasDetached = detached
        // Scrolling down into lines read back: the view stays where it is.
        if wasDetached, anchor == nil, count > 0 { anchor = (count - 1, 0) }
        detached = false
        let last = lastKey
        for e in newer where e.sortKey.map({ k in last.map { k > $0 } ?? true }) ?? false {
            add(e)
            if anchor != nil, unread > 0 { unread -= 1 }
        }
        if reachedEnd {
            let local = deferred
            deferred = []
            for e in local { add(e) }
        } else {
            detached = wasDetached
        }
    }

    /// Rows above the top of the view, counted up to `limit`.
    public func rowsAboveView(width: Int, height: Int, limit: Int) -> Int {
        guard count > 0, width > 0, height > 0 else { return 0 }
        let (i, r) = clampedAnchor
        return max(0, rowsAtAndAbove(i, r, width: width, limit: limit + height) - height)
    }

    /// Rows below the bottom of the view, counted up to `limit`.
    public func rowsBelowView(width: Int, limit: Int) -> Int {
        guard let a = anchor, width > 0 else { return 0 }
        var n = a.rowsBelow
        var j = min(a.index, count - 1) + 1
        while n < limit, j < count {
            n += rows(of: j, width: width).count
            j += 1
        }
        return n
    }

    private mutating func trim() {
        guard count > capacity else { return }
        let drop = count - capacity
        head += drop
        if let a = anchor {
            // The anchored entry fell off the top: stay at the top.
            anchor = a.index >= drop ? (a.index - drop, a.rowsBelow) : (0, 0)
        }
        if head >= 1024 && head >= storage.count / 2 {
            storage.removeFirst(head)
            head = 0
        }
    }

    // MARK: layout

    /// The rows of entry `i` at `width`.
    public func rows(of i: Int, width: Int) -> [Row] {
        let e = self[i]
        let parts = e.layoutParts(utcOffsetSeconds: utcOffsetSeconds)
        return LineWrapper.wrap(prefix: parts.prefix, body: parts.body, width: width)
    }

    /// The rows to draw, top to bottom, at most `height`. Only the entries
    /// near the view are laid out.
    public func visibleRows(width: Int, height: Int) -> [Row] {
        guard width > 0, height > 0, count > 0 else { return [] }
        let (bottom, skip) = clampedAnchor
        let bottomRows = rows(of: bottom, width: width)
        let cut = max(0, bottomRows.count - skip)
        var above: [[Row]] = [Array(bottomRows[..<cut])]
        var n = cut
        var i = bottom - 1
        while n < height, i >= 0 {
            let r = rows(of: i, width: width)
            above.append(r)
            n += r.count
            i -= 1
        }
        var out = Array(above.reversed().joined())
        if out.count > height { out.removeFirst(out.count - height) }
        // At the very top with room left: show what lies below instead of
        // leaving the bottom of the pane empty.
        var below = Array(bottomRows[cut...])
        var j = bottom + 1
        while out.count < height {
            if below.isEmpty {
                guard j < count else { break }
                below = rows(of: j, width: width)
                j += 1
                continue
            }
            out.append(below.removeFirst())
        }
        return out
    }

    private var clampedAnchor: (Int, Int) {
        guard let a = anchor else { return (count - 1, 0) }
        return (min(a.index, count - 1), a.rowsBelow)
    }

    // MARK: scrolling

    /// Scrolls up a page (the pane's height less one row, so one line of
    /// context stays on screen).
    public mutating func pageUp(width: Int, height: Int) {
        scrollUp(rows: max(1, height - 1), width: width, height: height)
    }

    public mutating func pageDown(width: Int, height: Int) {
        scrollDown(rows: max(1, height - 1), width: width)
    }

    public mutating func scrollUp(rows amount: Int, width: Int, height: Int) {
        guard count > 0, width > 0, height > 0 else { return }
        var (i, r) = clampedAnchor
        r += amount
        while i >= 0 {
            let c = rows(of: i, width: width).count
            if r < c { break }
            r -= c
            i -= 1
        }
        if i < 0 || rowsAtAndAbove(i, r, width: width, limit: height) < height {
            anchor = topAnchor(width: width, height: height)
            if anchor == nil { unread = 0 }
        } else {
            anchor = (i, r)
        }
    }

    public mutating func scrollDown(rows amount: Int, width: Int) {
        guard let a = anchor, width > 0 else { return }
        var (i, r) = (min(a.index, count - 1), a.rowsBelow)
        if r >= amount {
            r -= amount
        } else {
            var remaining = amount - r
            r = 0
            while remaining > 0 {
                i += 1
                guard i < count else { scrollToBottom(); return }
                let c = rows(of: i, width: width).count
                if remaining <= c { r = c - remaining; remaining = 0 } else { remaining -= c }
            }
        }
        if i >= count - 1 && r == 0 { scrollToBottom() } else { anchor = (i, r) }
    }

    public mutating func scrollToBottom() {
        anchor = nil
        unread = 0
    }


    /// Back to the live end from a detached window: the newest chat lines
    /// (oldest first) replace the window, followed by the local lines kept
    /// aside; the view follows the bottom.
    public mutating func replaceWithNewest(_ newest: [Entry]) {
        let local = deferred
        removeAll()
        for e in newest.suffix(capacity) { add(e) }
        for e in local { add(e) }
    }

    /// Rows from the top of the history down to the bottom row (i, r),
    /// counted only up to `limit`.
    private func rowsAtAndAbove(_ i: Int, _ r: Int, width: Int, limit: Int) -> Int {
        var n = max(0, rows(of: i, width: width).count - r)
        var j = i - 1
        while n < limit, j >= 0 {
            n += rows(of: j, width: width).count
            j -= 1
        }
        return n
    }

    /// The anchor that shows the first `height` rows, or nil (bottom) when
    /// everything fits.
    private func topAnchor(width: Int, height: Int) -> (index: Int, rowsBelow: Int)? {
        var n = 0
        for j in 0..<count {
            let c = rows(of: j, width: width).count
            n += c
            if n >= height {
                let anchor = (index: j, rowsBelow: n - height)
                if j == count - 1 && n == height { return nil }
                return anchor
            }
        }
        return nil
    }
}
