/// One item of the status bar, e.g. `[lag 3]`.
public struct StatusItem: Hashable, Sendable {
    public var segments: [Segment]
    /// Higher stays longer: when the bar is too narrow the lowest-priority
    /// items are dropped first (the rightmost first among equals).
    public var priority: Int

    public init(_ segments: [Segment], priority: Int) {
        self.segments = segments
        self.priority = priority
    }

    public init(_ text: String, _ style: Style = .normal, priority: Int) {
        self.init([Segment(text, style)], priority: priority)
    }

    public var width: Int { segments.reduce(0) { $0 + $1.width } }
}

/// Lays items out in one row of exactly `width` columns.
public enum StatusBar {
    public static let separator = " "

    /// Items keep their left-to-right order; whatever survives the drops is
    /// padded with spaces, or, when even the most important item is too
    /// wide, cut with `…`, so the result is always exactly `width` wide.
    public static func render(_ items: [StatusItem], width: Int) -> [Segment] {
        guard width > 0 else { return [] }
        var kept = Array(items.indices)
        func total(_ idx: [Int]) -> Int {
            idx.reduce(0) { $0 + items[$1].width } + max(0, idx.count - 1) * separator.count
        }
        while kept.count > 1, total(kept) > width {
            // Lowest priority; among equals the rightmost.
            let victim = kept.indices.min { a, b in
                let pa = items[kept[a]].priority, pb = items[kept[b]].priority
                return pa != pb ? pa < pb : a > b
            }!
            kept.remove(at: victim)
        }
        var row = Row()
        for (n, i) in kept.enumerated() {
            if n > 0 { row.append(separator, .normal) }
            for seg in items[i].segments { row.append(seg.text, seg.style) }
        }
        return fit(row, width: width)
    }

    /// Pads or cuts a row to exactly `width` columns, cutting at grapheme
    /// boundaries (a wide character that would straddle the edge becomes
    /// spaces).
    public static func fit(_ row: Row, width: Int) -> [Segment] {
        var out = Row()
        var used = 0
        let overflow = row.width > width
        let room = overflow ? width - 1 : width
        outer: for seg in row.segments {
            for ch in seg.text {
                let w = DisplayWidth.of(ch)
                if used + w > room { break outer }
                out.append(String(ch), seg.style)
                used += w
            }
        }
        if overflow && width > 0 {
            out.append("…", .normal)
            used += 1
        }
        if used < width { out.append(String(repeating: " ", count: width - used), .normal) }
        return out.segments
    }
}

/// What the status bar shows; the app fills it from the node's status.
public struct StatusInfo: Hashable, Sendable {
    public var nick: String
    /// Nick of the token holder; nil when no token is known (lost, forming).
    public var tokenHolder: String?
    public var holderIsMe: Bool
    public var ringSize: Int
    /// A short ring id, e.g. `7@a1b2` (`RingID.description`).
    public var ringID: String
    /// Messages known to exist but not yet in the replica.
    public var lag: Int
    public var checkpointNumber: Int?
    public var checkpointAgeSeconds: Int?
    /// e.g. `20-300ms`; nil when the artificial delay is off.
    public var delay: String?
    public var scrolledBack: Bool
    public var unread: Int
    public var tokenLogHidden: Bool

    public init(nick: String, tokenHolder: String? = nil, holderIsMe: Bool = false, ringSize: Int = 1, ringID: String = "-",
                lag: Int = 0, checkpointNumber: Int? = nil, checkpointAgeSeconds: Int? = nil, delay: String? = nil,
                scrolledBack: Bool = false, unread: Int = 0, tokenLogHidden: Bool = false) {
        self.nick = nick
        self.tokenHolder = tokenHolder
        self.holderIsMe = holderIsMe
        self.ringSize = ringSize
        self.ringID = ringID
        self.lag = lag
        self.checkpointNumber = checkpointNumber
        self.checkpointAgeSeconds = checkpointAgeSeconds
        self.delay = delay
        self.scrolledBack = scrolledBack
        self.unread = unread
        self.tokenLogHidden = tokenLogHidden
    }

    /// The bar's items, left to right:
    /// `[alice] [token: you] [ring 7@a1b2 ×3] [lag 0] [ckpt #12 4s ago] [delay 20-300ms] -- more --`
    /// Priorities: the scroll marker and own nick go last, then the token,
    /// lag, ring, checkpoint, delay, token-log note.
    public var items: [StatusItem] {
        var items: [StatusItem] = []
        func bracket(_ inner: [Segment], _ priority: Int) {
            items.append(StatusItem([Segment("[")] + inner + [Segment("]")], priority: priority))
        }
        bracket([Segment(Sanitizer.nick(nick), .bold)], 90)
        if holderIsMe {
            bracket([Segment("token: "), Segment("you", .highlight)], 80)
        } else if let h = tokenHolder {
            bracket([Segment("token: "), Segment(Sanitizer.nick(h), .nick(NickColor.index(for: Sanitizer.nick(h))))], 80)
        } else {
            bracket([Segment("no token", .dim)], 80)
        }
        bracket([Segment("ring \(Sanitizer.text(ringID)) ×\(ringSize)")], 60)
        bracket([Segment("lag \(lag)", lag > 0 ? .bold : .normal)], 70)
        if let n = checkpointNumber {
            let age = checkpointAgeSeconds.map { " \(TimeFormat.age(seconds: $0)) ago" } ?? ""
            bracket([Segment("ckpt #\(n)\(age)")], 50)
        } else {
            bracket([Segment("no ckpt", .dim)], 20)
        }
        if let d = delay { bracket([Segment("delay \(Sanitizer.text(d))")], 40) }
        if tokenLogHidden { bracket([Segment("tokenlog off", .dim)], 10) }
        if scrolledBack {
            let text = unread > 0 ? "-- more (\(unread)) --" : "-- more --"
            items.append(StatusItem(text, .highlight, priority: 100))
        }
        return items
    }
}
