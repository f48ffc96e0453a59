/// The identity keys this node has seen, by node: trust on first use, as
/// ssh's known_hosts. The first key heard from a node is its key; a later
/// different one is reported (`Observation.keyChanged`) so that the user is
/// warned, then remembered as the current one with the old one kept for
/// `/whois`. Pure: the shell loads and saves it (`KnownPeersFile`).
public struct KnownPeers: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var nick: String
        public var key: [UInt8]
        /// Wall-clock ms when this key was first and last heard.
        public var firstSeen: Int64
        public var lastSeen: Int64
        /// The key it had before its last change, and when it changed.
        public var previousKey: [UInt8]?
        public var changedAt: Int64?

        public init(nick: String, key: [UInt8], firstSeen: Int64, lastSeen: Int64, previousKey: [UInt8]? = nil,
                    changedAt: Int64? = nil) {
            self.nick = nick
            self.key = key
            self.firstSeen = firstSeen
            self.lastSeen = lastSeen
            self.previousKey = previousKey
            self.changedAt = changedAt
        }
    }

    public enum Observation: Sendable, Equatable {
        /// First time this node is heard with a key.
        case new
        /// Nothing that needs saving changed (only the time last heard).
        case same
        /// Its nick changed (saved, no warning).
        case renamed
        /// Its key is not the one known: warn.
        case keyChanged(previous: [UInt8])
    }

    public private(set) var entries: [NodeID: Entry]

    public init(entries: [NodeID: Entry] = [:]) { self.entries = entries }

    /// Records that `id` announced `key` under `nick` at `now` (wall ms).
    public mutating func observe(_ id: NodeID, nick: String, key: [UInt8], now: Int64) -> Observation {
        guard var e = entries[id] else {
            entries[id] = Entry(nick: nick, key: key, firstSeen: now, lastSeen: now)
            return .new
        }
        e.lastSeen = now
        defer { entries[id] = e }
        if e.key != key {
            let old = e.key
            e.previousKey = old
            e.changedAt = now
            e.key = key
            e.nick = nick
            return .keyChanged(previous: old)
        }
        if e.nick != nick {
            e.nick = nick
            return .renamed
        }
        return .same
    }

    /// The node last heard with `nick` (nicks are unique among live nodes,
    /// `NickClaim`, but an absent node's nick may since be another's).
    public func node(named nick: String) -> NodeID? {
        entries.filter { $0.value.nick == nick }.max { $0.value.lastSeen < $1.value.lastSeen }?.key
    }
}
