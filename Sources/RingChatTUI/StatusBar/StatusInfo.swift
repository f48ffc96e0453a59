/// What the status bar shows; the app fills it from the node's status.
public struct StatusInfo: Hashable, Sendable {
    public var nick: String
    /// The ring in token order, the holder marked; empty before the node
    /// knows any.
    public var ring: [RingMember]
    /// Messages known to exist but not yet in the replica.
    public var lag: Int
    public var checkpointNumber: Int?
    public var checkpointAgeSeconds: Int?
    /// Nothing a checkpoint records has changed since the last one (the
    /// node skips periodic checkpoints then): its age is no news.
    public var checkpointCurrent: Bool
    /// e.g. `20-300ms`; nil when the artificial delay is off.
    public var delay: String?
    public var scrolledBack: Bool
    public var unread: Int
    /// Peers' lines (and mentions of you) since you left the live end.
    public var activity: Activity
    /// The pane shows F3's full token log instead of the conversation.
    public var showingTokenLog: Bool
    /// The group key's fingerprint when the group is keyed; nil when open.
    public var key: String?
    /// The window on screen: its number and name (`2`, `#ops`); nil: no
    /// window item (a bar outside the chat screen).
    public var window: WindowLabel?
    /// The other windows with unseen lines, `*` where one named you.
    public var windowActivity: [WindowActivity] = []

    public init(nick: String, ring: [RingMember] = [], lag: Int = 0,
                checkpointNumber: Int? = nil, checkpointAgeSeconds: Int? = nil, checkpointCurrent: Bool = false,
                delay: String? = nil, scrolledBack: Bool = false, unread: Int = 0, activity: Activity = Activity(),
                showingTokenLog: Bool = false, key: String? = nil,
                window: WindowLabel? = nil, windowActivity: [WindowActivity] = []) {
        self.nick = nick
        self.ring = ring
        self.lag = lag
        self.checkpointNumber = checkpointNumber
        self.checkpointAgeSeconds = checkpointAgeSeconds
        self.checkpointCurrent = checkpointCurrent
        self.delay = delay
        self.scrolledBack = scrolledBack
        self.unread = unread
        self.activity = activity
        self.showingTokenLog = showingTokenLog
        self.key = key
        self.window = window
        self.windowActivity = windowActivity
    }

    /// The bar's items, left to right:
    /// `[alice] [2:#ops] [act: 1,3*] [ring: ▸alice◂ bob carol(lag 2)] [lag 0] [ckpt #12 4s ago] [act: 3 new, 1 mention] [keyed] [delay 20-300ms] -- more --`
    ///
    /// Priorities: the scroll marker and the token-log marker go last, then
    /// the holder (the ring's last form), the short activity (it is news),
    /// the short checkpoint (`[ck#12 4s]`), lag, own nick; so down to 40 columns with
    /// four members the bar still answers "who has the token, am I behind,
    /// is my state saved". Before those: keyed, the long checkpoint and
    /// activity, delay, open; the ring shrinks in steps in between (see
    /// `RingBar`). The window item (`[2:#ops]`) keeps its name until the
    /// ring's nicks are cut, then its number (`[2]`) stays with the
    /// holder (with only the lobby open, the item goes before the ring
    /// shrinks at all); the other windows' activity (`[act: 1,3*]`) goes after the
    /// own nick and before the lag.
    public var items: [StatusItem] {
        var items: [StatusItem] = []
        func bracket(_ inner: [Segment]) -> [Segment] { [Segment("[")] + inner + [Segment("]")] }
        func add(_ forms: ([Segment], Int)...) {
            items.append(StatusItem(forms: forms.map { StatusItem.Form(bracket($0.0), priority: $0.1) }))
        }
        // The input line's prompt shows the nick too: it gives way first.
        add(([Segment(Sanitizer.nick(nick), .bold)], 83))
        if let w = window {
            let name = [Segment("\(w.number):\(Sanitizer.nick(w.name))")]
            // The lobby alone: the item says where lines go, nothing more,
            // and goes before the ring's nicks are cut.
            if w.count > 1 { add((name, 76), ([Segment("\(w.number)")], 87)) } else { add((name, 54)) }
        }
        if !windowActivity.isEmpty {
            let mention = windowActivity.contains { $0.mention }
            let list = windowActivity.map { "\($0.number)" + ($0.mention ? "*" : "") }.joined(separator: ",")
            add(([Segment("act: " + list, mention ? .highlight : .bold)], 84))
        }
        items.append(RingBar.item(members: ring))
        add(([Segment("lag \(lag)", lag > 0 ? .bold : .normal)], 85))
        if let n = checkpointNumber {
            if checkpointCurrent {
                add(([Segment("ckpt #\(n) current")], 50), ([Segment("ck#\(n) cur")], 88))
            } else {
                let age = checkpointAgeSeconds.map { TimeFormat.age(seconds: $0) }
                add(([Segment("ckpt #\(n)" + (age.map { " \($0) ago" } ?? ""))], 50),
                    ([Segment("ck#\(n)" + (age.map { " \($0)" } ?? ""))], 88))
            }
        } else {
            add(([Segment("no ckpt", .dim)], 20), ([Segment("no ck", .dim)], 88))
        }
        if !activity.isEmpty {
            let style: Style = activity.mentions > 0 ? .highlight : .bold
            let m = activity.mentions
            let long = "act: \(activity.lines) new" + (m > 0 ? ", \(m) mention\(m == 1 ? "" : "s")" : "")
            add(([Segment(long, style)], 60), ([Segment("act \(activity.lines)" + (m > 0 ? " @\(m)" : ""), style)], 89))
        }
        if key != nil {
            add(([Segment("keyed", .bold)], 60))
        } else {
            add(([Segment("open", .dim)], 15))
        }
        if let d = delay { add(([Segment("delay \(Sanitizer.text(d))")], 40)) }
        if showingTokenLog { add(([Segment("token log", .highlight), Segment(": F3 back")], 96)) }
        if scrolledBack {
            let text = unread > 0 ? "-- more (\(unread)) --" : "-- more --"
            items.append(StatusItem(text, .highlight, priority: 100))
        }
        return items
    }
}
