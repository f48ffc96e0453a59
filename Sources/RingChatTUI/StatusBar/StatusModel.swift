import RingChatCore
import RingChatIO
import RingChatSession

/// Fills the status bar's `StatusInfo` from the node's latest status and
/// what only the screen knows (scrollback, which view is shown, the
/// artificial delay the node was started with).
enum StatusModel {
    static func info(status: NodeStatus?, nick: String, faults: FaultSpec, key: String? = nil, nowWallMs: Int64,
                     scrolledBack: Bool, unread: Int, showingTokenLog: Bool) -> StatusInfo {
        var info = StatusInfo(nick: status?.nick ?? nick, delay: delayText(faults),
                              scrolledBack: scrolledBack, unread: unread, showingTokenLog: showingTokenLog, key: key)
        guard let s = status else { return info }
        info.ring = ring(s)
        info.ringID = s.ring.map { "\($0)" }
        info.lag = s.lag
        if let cp = s.lastCheckpoint {
            info.checkpointNumber = Int(clamping: cp.number)
            info.checkpointAgeSeconds = Int(max(0, nowWallMs - cp.takenAt) / 1000)
        }
        return info
    }

    /// The members in ring (token) order. A member seen in a token before
    /// its first heartbeat has no nick yet (`?`): its short id stands in.
    /// A holder outside the member list (a token heard from a node not yet
    /// admitted) is put at the end, so the mark is never lost.
    static func ring(_ s: NodeStatus) -> [RingMember] {
        var out = s.members.map { m in
            RingMember(m.nick == "?" ? m.id.short : m.nick, lag: m.id == s.node ? s.lag : m.lag,
                       isMe: m.id == s.node, isHolder: m.id == s.holder)
        }
        if let h = s.holder, !s.members.contains(where: { $0.id == h }) {
            out.append(RingMember(h.short, isMe: h == s.node, isHolder: true))
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
