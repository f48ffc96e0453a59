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
