import RingChatCore
import RingChatRuntime

/// Fills the status bar's `StatusInfo` from the node's latest status and
/// what only the screen knows (scrollback, the token log switch, the
/// artificial delay the node was started with).
enum StatusModel {
    static func info(status: NodeStatus?, nick: String, faults: FaultSpec, nowWallMs: Int64,
                      scrolledBack: Bool, unread: Int, tokenLogHidden: Bool) -> StatusInfo {
        var info = StatusInfo(nick: status?.nick ?? nick, delay: delayText(faults),
                              scrolledBack: scrolledBack, unread: unread, tokenLogHidden: tokenLogHidden)
        guard let s = status else { return info }
        if let h = s.holder {
            info.holderIsMe = h == s.node
            info.tokenHolder = s.members.first { $0.id == h }?.nick ?? h.short
        }
        info.ringSize = max(1, s.members.count)
        info.ringID = s.ring.map { "\($0)" } ?? "-"
        info.lag = s.lag
        if let cp = s.lastCheckpoint {
            info.checkpointNumber = Int(clamping: cp.number)
            info.checkpointAgeSeconds = Int(max(0, nowWallMs - cp.takenAt) / 1000)
        }
        return info
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
