import RingChatCore
import RingChatIO
import RingChatSession

/// Fills the status bar's `StatusInfo` from the node's latest status and
/// what only the screen knows (scrollback, which view is shown, the
/// artificial delay the node was started with, the nicks and away notes it
/// has seen).
enum StatusModel {
    /// What the screen adds to the node's status.
    struct Screen {
        var scrolledBack = false
        var unread = 0
        var activity = Activity()
        var showingTokenLog = false
        var names = NickBook()
        var away: Set<NodeID> = []
        var window: WindowLabel?
        var windowActivity: [WindowActivity] = []
    }

    /// A periodic checkpoint is taken within this of being due, unless the
    /// node skipped it because nothing changed.
    static let checkpointSlack: Duration = .seconds(3)

    static func info(status: NodeStatus?, nick: String, faults: FaultSpec, key: String? = nil, nowWallMs: Int64,
                     checkpointEvery: Duration? = nil, screen: Screen = Screen()) -> StatusInfo {
        var info = StatusInfo(nick: status?.nick ?? nick, delay: delayText(faults), scrolledBack: screen.scrolledBack,
                              unread: screen.unread, activity: screen.activity, showingTokenLog: screen.showingTokenLog, key: key,
                              window: screen.window, windowActivity: screen.windowActivity)
        guard let s = status else { return info }
        info.ring = ring(s, names: screen.names, away: screen.away)
        info.lag = s.lag
        if let cp = s.lastCheckpoint {
            info.checkpointNumber = Int(clamping: cp.number)
            let ageMs = max(0, nowWallMs - cp.takenAt)
            info.checkpointAgeSeconds = Int(ageMs / 1000)
            // Older than the period: the node looked and found nothing new
            // to save, so the checkpoint still holds everything.
            if let every = checkpointEvery {
                info.checkpointCurrent = Duration.milliseconds(ageMs) > every + checkpointSlack
            }
        }
        return info
    }

    /// The members in ring (token) order. A member seen in a token before
    /// its first heartbeat has no nick yet (`?`): the nick last seen for its
    /// id stands in, else its short id. A holder outside the member list (a
    /// token heard from a node not yet admitted) is put at the end, so the
    /// mark is never lost.
    static func ring(_ s: NodeStatus, names: NickBook = NickBook(), away: Set<NodeID> = []) -> [RingMember] {
        var out = s.members.map { m in
            RingMember(m.nick == "?" ? names.name(m.id) : m.nick, lag: m.id == s.node ? s.lag : m.lag,
                       isMe: m.id == s.node, isHolder: m.id == s.holder, away: away.contains(m.id))
        }
        if let h = s.holder, !s.members.contains(where: { $0.id == h }) {
            out.append(RingMember(names.name(h), isMe: h == s.node, isHolder: true))
        }
        return out
    }

    /// `20-300ms`, `50ms`, plus loss and duplication when on; nil when the
    /// receive path passes datagrams straight through.
    static func delayText(_ f: FaultSpec) -> String? {
        guard !f.isNone else { return nil }
        var parts: [String] = []
        if f.delayMax > .zero {
            let lo = Int(f.delayMin.milliseconds.rounded()), hi = Int(f.delayMax.milliseconds.rounded())
            parts.append(lo == hi ? "\(hi)ms" : "\(lo)-\(hi)ms")
        } else {
            parts.append("0ms")
        }
        if f.loss > 0 { parts.append("loss \(percent(f.loss))") }
        if f.dup > 0 { parts.append("dup \(percent(f.dup))") }
        return parts.joined(separator: " ")
    }

    private static func percent(_ p: Double) -> String {
        let v = p * 100
        return v == v.rounded() ? "\(Int(v))%" : "\((v * 10).rounded() / 10)%"
    }
}
