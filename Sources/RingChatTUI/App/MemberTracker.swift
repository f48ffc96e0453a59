import RingChatCore

/// Turns successive member lists into irssi-style lines: who joined the
/// ring, who left it, who changed nick.
///
/// After a restart (start or simulated crash) the node knows nobody and
/// hears its peers again within a few heartbeats; `quietLeaves(until:)`
/// keeps that from reading as everyone leaving and rejoining: members
/// missing from the list are only reported once the grace time is over and
/// they are still missing.
struct MemberTracker {
    private var known: [NodeID: String] = [:]
    private var order: [NodeID] = []
    private var leavesQuietUntil: Instant?

    mutating func quietLeaves(until deadline: Instant) { leavesQuietUntil = deadline }

    /// Lines for the change from what was seen last to `status.members`
    /// (this node itself is never announced).
    mutating func update(_ status: NodeStatus, now: Instant) -> [String] {
        var lines: [String] = []
        let current = Dictionary(status.members.map { ($0.id, $0.nick) }, uniquingKeysWith: { a, _ in a })
        let size = status.members.count
        // "?" is the nick of a member seen (in a token) before its first
        // heartbeat: announce it once its name is known.
        for m in status.members where m.id != status.node && m.nick != "?" {
            if let old = known[m.id] {
                if old != m.nick { lines.append("\(old) is now known as \(m.nick)") }
            } else {
                lines.append("\(m.nick) (\(m.id.short)) joined the ring (\(size) members)")
                order.append(m.id)
            }
            known[m.id] = m.nick
        }
        let quiet = leavesQuietUntil.map { now < $0 } ?? false
        if !quiet {
            leavesQuietUntil = nil
            for id in order where current[id] == nil {
                lines.append("\(known[id] ?? id.short) (\(id.short)) left the ring (\(size) members)")
                known[id] = nil
            }
            order.removeAll { current[$0] == nil }
        }
        return lines
    }
}
