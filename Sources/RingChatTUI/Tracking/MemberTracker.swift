import RingChatCore

/// Turns successive member lists into irssi-style lines: who joined the
/// ring, who left it, who changed nick.
///
/// A member missing from one list is not yet news: while a ring re-forms
/// (a peer restarted, a slow token was declared lost under a large
/// `--delay`) the list shrinks and grows back within a second or two. A
/// departure is reported once the member has been missing for `leaveGrace`
/// (`tick` calls `update` every second, so it is reported even when
/// nothing else changes); one that comes back before that was never gone.
///
/// After a restart (start or simulated crash) the node knows nobody and
/// hears its peers again within a few heartbeats; `quietLeaves(until:)`
/// keeps that from reading as everyone leaving and rejoining.
struct MemberTracker {
    var leaveGrace: Duration = .seconds(2)
    private var known: [NodeID: String] = [:]
    private var order: [NodeID] = []
    private var missingSince: [NodeID: Instant] = [:]
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
            missingSince[m.id] = nil
            if let old = known[m.id] {
                if old != m.nick { lines.append("\(old) is now known as \(m.nick)") }
            } else {
                lines.append("\(m.nick) (\(m.id.short)) joined the ring (\(size) members)")
                order.append(m.id)
            }
            known[m.id] = m.nick
        }
        for id in order where current[id] == nil && missingSince[id] == nil { missingSince[id] = now }
        if let q = leavesQuietUntil, now < q { return lines }
        leavesQuietUntil = nil
        var gone: Set<NodeID> = []
        for id in order {
            guard current[id] == nil, let since = missingSince[id], now - since >= leaveGrace else { continue }
            lines.append("\(known[id] ?? id.short) (\(id.short)) left the ring (\(size) members)")
            known[id] = nil
            missingSince[id] = nil
            gone.insert(id)
        }
        order.removeAll { gone.contains($0) }
        return lines
    }
}
