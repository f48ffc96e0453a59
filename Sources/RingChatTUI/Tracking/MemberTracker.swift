import RingChatCore

/// Turns successive member lists into one plain line per change: `bob
/// joined (3 members)`, `carol left (2 members)`, `carol is back (3
/// members)`, `bob is now known as robert`. The token's side of a change
/// (a silent successor, a new ring, a regenerated token) stays in F3.
///
/// A member missing from one list is not yet news: while a ring re-forms
/// (a peer restarted, a slow token was declared lost under a large
/// `--delay`) the list shrinks and grows back within a second or two. A
/// departure is reported once the member has been missing for `leaveGrace`
/// (`tick` calls `update` every second, so it is reported even when
/// nothing else changes); one that comes back before that was never gone.
///
/// After a restart (start or simulated crash) the node knows nobody and
/// hears its peers again one heartbeat at a time; `quietLeaves(until:)`
/// keeps that from reading as everyone leaving and rejoining, and the
/// joins heard meanwhile make one line, `in the ring with you: alice, bob
/// and server (4 members)`, that grows in place (`greeting`) rather than
/// one line each with a member count already out of date.
struct MemberTracker {
    var leaveGrace: Duration = .seconds(2)
    private var known: [NodeID: String] = [:]
    private var order: [NodeID] = []
    private var missingSince: [NodeID: Instant] = [:]
    private var leavesQuietUntil: Instant?
    /// Members who left, by id: their return is `is back`.
    private var departed: [NodeID: String] = [:]
    /// Members met while quiet, for the greeting.
    private var met: [String] = []

    /// A restart: quiet until `deadline`, and a new greeting.
    mutating func quietLeaves(until deadline: Instant) {
        leavesQuietUntil = deadline
        met = []
    }

    /// What to say about a change of members.
    struct News: Equatable {
        /// New lines.
        var lines: [String] = []
        /// The greeting's new text, to show or rewrite in place.
        var greeting: String?
    }

    /// The news in the change from what was seen last to `status.members`
    /// (this node itself is never announced).
    mutating func news(_ status: NodeStatus, now: Instant) -> News {
        let quiet = leavesQuietUntil.map { now < $0 } ?? false
        let before = met.count
        let lines = update(status, now: now)
        guard quiet, met.count > before else { return News(lines: lines) }
        return News(lines: lines, greeting: "in the ring with you: \(Self.list(met)) (\(status.members.count) members)")
    }

    /// New lines only (the greeting's members are added to `met`).
    mutating func update(_ status: NodeStatus, now: Instant) -> [String] {
        var lines: [String] = []
        let current = Dictionary(status.members.map { ($0.id, $0.nick) }, uniquingKeysWith: { a, _ in a })
        let size = status.members.count
        let quiet = leavesQuietUntil.map { now < $0 } ?? false
        var joined: [String] = []
        var back: [String] = []
        // "?" is the nick of a member seen (in a token) before its first
        // heartbeat: announce it once its name is known.
        for m in status.members where m.id != status.node && m.nick != "?" {
            missingSince[m.id] = nil
            if let old = known[m.id] {
                if old != m.nick { lines.append("\(old) is now known as \(m.nick)") }
            } else {
                if departed.removeValue(forKey: m.id) != nil { back.append(m.nick) } else { joined.append(m.nick) }
                order.append(m.id)
            }
            known[m.id] = m.nick
        }
        if quiet {
            met += joined + back
        } else {
            if !joined.isEmpty { lines.append("\(Self.list(joined)) joined (\(size) members)") }
            if !back.isEmpty { lines.append("\(Self.list(back)) \(back.count == 1 ? "is" : "are") back (\(size) members)") }
        }
        for id in order where current[id] == nil && missingSince[id] == nil { missingSince[id] = now }
        if quiet { return lines }
        leavesQuietUntil = nil
        var gone: [NodeID] = []
        for id in order {
            guard current[id] == nil, let since = missingSince[id], now - since >= leaveGrace else { continue }
            gone.append(id)
        }
        if !gone.isEmpty {
            let nicks = gone.map { known[$0] ?? $0.short }
            lines.append("\(Self.list(nicks)) left (\(size) member\(size == 1 ? "" : "s"))")
            for id in gone {
                departed[id] = known[id]
                known[id] = nil
                missingSince[id] = nil
            }
            order.removeAll { gone.contains($0) }
        }
        return lines
    }

    /// `alice`, `alice and bob`, `alice, bob and carol`.
    static func list(_ nicks: [String]) -> String {
        guard nicks.count > 1 else { return nicks.first ?? "" }
        return nicks.dropLast().joined(separator: ", ") + " and " + nicks.last!
    }
}
