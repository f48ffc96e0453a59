/// One nick per live node: who keeps a nick two live members hold, decided
/// the same way for `--nick`, `/nick` and the server's default nick
/// (issue 19). The rule, as each node applies it to its own nick:
///
/// 1. **The claimer yields.** A node that takes a nick (at start, by
///    `/nick`, or by a rename below) while a live member already holds it
///    takes `nick_` instead and is told so. "Already": this node saw that
///    member with that nick before its own claim; a node just started
///    counts as claiming `listen` after its start, so every member it
///    hears in its first moments held its nick before it did.
/// 2. **Otherwise the lower id keeps it.** A conflict neither side caused
///    alone (two nodes started together, a partition healed with a nick on
///    each side) that lasts `settle` is ended by the member with the
///    higher node id, which renames.
///
/// Two nodes never both keep a nick beyond `settle`: under rule 1 only one
/// of two claims came second (each node's clock orders its own claim and
/// what it heard before it), and rule 2 is the same comparison of ids on
/// both sides. Both may yield only when both just started (each heard the
/// other in its listening window); their renames are then claims of
/// their own, ordered again. Nicks compare without case (irssi's rule).
///
/// Pure: the shell (`NodeHost`) feeds it the members of each status, asks
/// it before a `/nick`, and wakes it at `nextCheck`.
public struct NickClaim: Sendable {
    public let me: NodeID
    public private(set) var nick: String
    /// When this node's claim of `nick` counts as made.
    private var claimedAt: Instant
    /// Each live peer's nick and when this node first saw it with it.
    private var seen: [NodeID: (nick: String, since: Instant)] = [:]
    /// Conflicts rule 1 did not settle, since when.
    private var conflictSince: [NodeID: Instant] = [:]
    public let settle: Duration

    /// A rename this node must make.
    public struct Rename: Sendable, Equatable {
        public var from: String
        public var to: String
        /// The live member that keeps `from`.
        public var holder: NodeID
        /// What the user is told: `nick carol is in use by 4024; you are carol_`.
        public var notice: String { "nick \(from) is in use by \(holder.short); you are \(to)" }
    }

    public init(me: NodeID, nick: String, startedAt: Instant, listen: Duration = .seconds(1), settle: Duration = .seconds(3)) {
        self.me = me
        self.nick = nick
        self.claimedAt = startedAt + listen
        self.settle = settle
    }

    static func same(_ a: String, _ b: String) -> Bool { a.lowercased() == b.lowercased() }

    /// `wanted` if no live member but this node holds it, else the rename
    /// to make instead (`/nick`: the claimer yields at once, before the
    /// nick is ever announced).
    public func check(_ wanted: String, members: [(id: NodeID, nick: String)]) -> Rename? {
        guard let holder = members.first(where: { $0.id != me && Self.same($0.nick, wanted) }) else { return nil }
        return Rename(from: wanted, to: NickRule.alternative(to: wanted, taken: Set(members.filter { $0.id != me }.map { $0.nick.lowercased() })),
                      holder: holder.id)
    }

    /// This node now holds `nick` (taken at `now`).
    public mutating func claimed(_ nick: String, at now: Instant) {
        self.nick = nick
        claimedAt = now
        conflictSince = [:]
    }

    /// The live members (from a status, or at `nextCheck`): the rename
    /// this node must make, if any. The caller makes it and calls
    /// `claimed`.
    public mutating func observe(members: [(id: NodeID, nick: String)], now: Instant) -> Rename? {
        var live: [NodeID: (nick: String, since: Instant)] = [:]
        for m in members where m.id != me {
            if let s = seen[m.id], s.nick == m.nick { live[m.id] = s } else { live[m.id] = (m.nick, now) }
        }
        seen = live
        let rivals = live.filter { Self.same($0.value.nick, nick) }
        conflictSince = conflictSince.filter { rivals[$0.key] != nil }
        for (id, s) in rivals.sorted(by: { $0.key < $1.key }) {
            let since = conflictSince[id] ?? now
            conflictSince[id] = since
            if s.since < claimedAt || (id < me && now - since >= settle) {
                return check(nick, members: members)
            }
        }
        return nil
    }

    /// When `observe` must run again even without a new status (a
    /// conflict waiting for rule 2), or nil.
    public var nextCheck: Instant? {
        conflictSince.values.min().map { $0 + settle }
    }
}

extension NickRule {
    /// The first of `nick_`, `nick__`, … that no one in `taken` (lowercased)
    /// holds and `NickRule` allows (the nick is cut to make room).
    public static func alternative(to nick: String, taken: Set<String>) -> String {
        var suffix = "_"
        while true {
            var base = nick
            while (base + suffix).utf8.count > maxBytes, !base.isEmpty { base.removeLast() }
            let candidate = base + suffix
            if !taken.contains(candidate.lowercased()) && problem(candidate) == nil { return candidate }
            suffix += "_"
            if suffix.utf8.count > maxBytes { return String(suffix.prefix(maxBytes)) }
        }
    }
}
