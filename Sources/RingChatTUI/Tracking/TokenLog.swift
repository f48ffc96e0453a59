import RingChatCore

/// The token's story in words for F3's full log: every event, passes and
/// holder changes included. The conversation tells only your own sends
/// (`SendLine`) and ring changes in plain words (`MemberTracker`).
enum TokenLog {
    /// F3's line for `event`; `routine` for the passes and holder changes
    /// that make up most of it (drawn dimmed, the rest stands out).
    static func logLine(for event: TokenEvent, name: (NodeID) -> String) -> (text: String, routine: Bool) {
        switch event {
        case .requested(let queued):
            return ("you asked for the token (\(queued) queued)", false)
        case .granted(let ring, let hop, let from):
            return ("▸ you hold the token: granted \(source(from, name)) (ring \(ring), hop \(hop))", true)
        case .passed(_, let hop, let to):
            return ("you passed the token to \(name(to)) (hop \(hop))", true)
        case .holderChanged(let node):
            return ("▸ \(name(node)) holds the token", true)
        case .sent(_, let seqs):
            let n = seqs.count
            let range = seqs.lowerBound == seqs.upperBound ? "\(seqs.lowerBound)" : "\(seqs.lowerBound)-\(seqs.upperBound)"
            return ("sent \(n) line\(n == 1 ? "" : "s") as seq \(range)", false)
        case .successorSilent(let node):
            return ("\(name(node)) did not take the token: forming a ring without it", false)
        case .lost(let ring):
            guard let ring else { return ("no token heard yet: a ring is being formed", false) }
            return ("token lost in ring \(ring): no token activity for a while", false)
        case .regenerated(let ring):
            return ("token regenerated: this node formed ring \(ring)", false)
        case .ringChanged(let old, let new):
            // A request made in the old ring is repeated in the new one.
            return (old.map { "moved from ring \($0) to ring \(new)" } ?? "joined ring \(new)", false)
        }
    }

    private static func source(_ from: NodeID?, _ name: (NodeID) -> String) -> String {
        from.map { "from \(name($0))" } ?? "on a new ring"
    }
}
