/// What the status bar shows; the app fills it from the node's status.
public struct StatusInfo: Hashable, Sendable {
    public var nick: String
    /// The ring in token order, the holder marked; empty before the node
    /// knows any.
    public var ring: [RingMember]
    /// A short ring id, e.g. `7@a1b2` (`RingID.description`); nil while none.
    public var ringID: String?
    /// Messages known to exist but not yet in the replica.
    public var lag: Int
    public var checkpointNumber: Int?
    public var checkpointAgeSeconds: Int?
    /// e.g. `20-300ms`; nil when the artificial delay is off.
    public var delay: String?
    public var scrolledBack: Bool
    public var unread: Int
    /// The pane shows F3's full token log instead of the conversation.
    public var showingTokenLog: Bool
    /// The group key's fingerprint when the group is keyed; nil when open.
    public var key: String?

    public init(nick: String, ring: [RingMember] = [], ringID: String? = nil, lag: Int = 0,
                checkpointNumber: Int? = nil, checkpointAgeSeconds: Int? = nil, delay: String? = nil,
                scrolledBack: Bool = false, unread: Int = 0, showingTokenLog: Bool = false, key: String? = nil) {
        self.nick = nick
        self.ring = ring
        self.ringID = ringID
        self.lag = lag
        self.checkpointNumber = checkpointNumber
        self.checkpointAgeSeconds = checkpointAgeSeconds
        self.delay = delay
        self.scrolledBack = scrolledBack
        self.unread = unread
        self.showingTokenLog = showingTokenLog
        self.key = key
    }

    /// The bar's items, left to right:
    /// `[alice] [ring 7@a1b2: ▸alice◂ bob carol(lag 2)] [lag 0] [ckpt #12 4s ago] [keyed] [delay 20-300ms] -- more --`
    /// Priorities: the scroll marker and the token-log marker go last, then
    /// own nick, the holder (the ring's last form), lag, keyed, checkpoint,
    /// delay, open; the ring shrinks in steps in between (see `RingBar`).
    public var items: [StatusItem] {
        var items: [StatusItem] = []
        func bracket(_ inner: [Segment], _ priority: Int) {
            items.append(StatusItem([Segment("[")] + inner + [Segment("]")], priority: priority))
        }
        bracket([Segment(Sanitizer.nick(nick), .bold)], 90)
        items.append(RingBar.item(members: ring, ringID: ringID))
        bracket([Segment("lag \(lag)", lag > 0 ? .bold : .normal)], 70)
        if let n = checkpointNumber {
            let age = checkpointAgeSeconds.map { " \(TimeFormat.age(seconds: $0)) ago" } ?? ""
            bracket([Segment("ckpt #\(n)\(age)")], 50)
        } else {
            bracket([Segment("no ckpt", .dim)], 20)
        }
        if key != nil {
            bracket([Segment("keyed", .bold)], 60)
        } else {
            bracket([Segment("open", .dim)], 15)
        }
        if let d = delay { bracket([Segment("delay \(Sanitizer.text(d))")], 40) }
        if showingTokenLog { bracket([Segment("token log", .highlight), Segment(": F3 back")], 96) }
        if scrolledBack {
            let text = unread > 0 ? "-- more (\(unread)) --" : "-- more --"
            items.append(StatusItem(text, .highlight, priority: 100))
        }
        return items
    }
}
