/// Who is alive, as heard through heartbeats (and any other packet).
///
/// The ring is the live ids in sorted order, minus peers suspected of having
/// dropped a token pass; a suspicion lasts one member timeout, so a peer
/// that only lost a packet comes back on its next heartbeat after that.
public struct Membership: Sendable {
    public struct Peer: Sendable {
        public var nick: String
        public var incarnation: UInt32
        public var lastHeard: Instant
        public var ring: RingID?
        /// Its outbox length from its last heartbeat: demand for the token.
        public var queued: UInt32 = 0
        public var summary: DigestSummary?
        /// The latest digest entry seen from it per stream.
        public var entries: [StreamID: DigestEntry] = [:]
        /// What its heartbeats announce: its rooms and identity key.
        public var rooms: [String] = []
        public var identity: [UInt8] = []
    }

    public let me: NodeID
    public private(set) var peers: [NodeID: Peer] = [:]
    private var suspects: [NodeID: Instant] = [:]
    /// Peers that announced their departure (`Leave`), with the incarnation
    /// that left: out of the ring order at once, until a later incarnation
    /// is heard (a restart).
    private var departed: [NodeID: UInt32] = [:]
    /// Bumped whenever a peer appears, restarts, changes its nick, rooms or
    /// key, or is suspected or forgotten: lets the node cache its ring order and its
    /// status between changes.
    public private(set) var version: UInt64 = 0

    public init(me: NodeID) { self.me = me }

    /// Records that `id` (in `incarnation`) spoke. Returns false for a
    /// packet from an older incarnation than already seen (a delayed packet
    /// from before the peer restarted), which must not refresh liveness.
    @discardableResult
    public mutating func heard(_ id: NodeID, incarnation: UInt32, at now: Instant) -> Bool {
        // In place: a copy of the peer would copy its digest entries on
        // the next write (this runs for every packet).
        if let i = peers.index(forKey: id) {
            let known = peers.values[i].incarnation
            guard incarnation >= known else { return false }
            if incarnation > known {
                peers.values[i].incarnation = incarnation
                departed[id] = nil
                peers.values[i].entries = [:] // its view of the replica restarts from its files
                version += 1
            }
            peers.values[i].lastHeard = now
        } else {
            peers[id] = Peer(nick: "?", incarnation: incarnation, lastHeard: now, ring: nil)
            version += 1
        }
        return true
    }

    public mutating func update(_ id: NodeID, with hb: Heartbeat) {
        guard let i = peers.index(forKey: id) else { return }
        if peers.values[i].nick != hb.nick { // the status shows nicks
            version += 1
            peers.values[i].nick = hb.nick
        }
        if peers.values[i].rooms != hb.rooms || peers.values[i].identity != hb.identity { // and rooms, keys
            version += 1
            peers.values[i].rooms = hb.rooms
            peers.values[i].identity = hb.identity
        }
        peers.values[i].ring = hb.ring
        peers.values[i].queued = hb.queued
        peers.values[i].summary = hb.digest
        for e in hb.page { peers.values[i].entries[e.stream] = e }
    }

    public mutating func suspect(_ id: NodeID, until: Instant) {
        suspects[id] = until
        version += 1
    }

    public func isLive(_ id: NodeID, now: Instant, timeout: Duration) -> Bool {
        if id == me { return true }
        guard let p = peers[id], departed[id] != p.incarnation else { return false }
        return now - p.lastHeard <= timeout
    }

    /// Live peers (not including me), sorted.
    public func livePeers(now: Instant, timeout: Duration) -> [NodeID] {
        peers.compactMap { now - $0.value.lastHeard <= timeout && departed[$0.key] != $0.value.incarnation ? $0.key : nil }
            .sorted()
    }

    /// `id` announced that it leaves (in `incarnation`): it is out of the
    /// ring order from now on, and its demand for the token is void.
    /// Returns false if that was known already, or the incarnation is not
    /// the one heard last.
    @discardableResult
    public mutating func depart(_ id: NodeID, incarnation: UInt32) -> Bool {
        guard var p = peers[id], p.incarnation == incarnation, departed[id] != incarnation else { return false }
        departed[id] = incarnation
        p.queued = 0
        peers[id] = p
        version += 1
        return true
    }

    /// Whether `id`, in the incarnation heard last, announced its departure.
    public func hasLeft(_ id: NodeID) -> Bool {
        guard let p = peers[id], let d = departed[id] else { return false }
        return d == p.incarnation
    }

    /// The ring order: me plus live, unsuspected peers, sorted by id.
    public func ringOrder(now: Instant, timeout: Duration) -> [NodeID] {
        var ids: [NodeID] = []
        ids.reserveCapacity(peers.count + 1)
        for (id, p) in peers where now - p.lastHeard <= timeout {
            if !suspects.isEmpty, let until = suspects[id], now < until { continue }
            // A member that announced its leave is out of the order at once.
            if !departed.isEmpty, departed[id] == p.incarnation { continue }
            ids.append(id)
        }
        ids.append(me)
        ids.sort()
        return ids
    }

    /// The next id after me in ring order (me when alone).
    public func successor(now: Instant, timeout: Duration) -> NodeID {
        Membership.successor(of: me, in: ringOrder(now: now, timeout: timeout))
    }

    /// The id after `me` in a sorted ring order, wrapping around.
    static func successor(of me: NodeID, in order: [NodeID]) -> NodeID {
        order.first(where: { $0 > me }) ?? order.first ?? me
    }

    /// This node did not run for `gap` (stopped, descheduled): what it did
    /// not hear meanwhile says nothing about its peers, so every peer's
    /// silence and suspicion is counted as if that time had not passed.
    public mutating func slept(_ gap: Duration) {
        for (id, p) in peers { peers[id]?.lastHeard = p.lastHeard + gap }
        for (id, until) in suspects { suspects[id] = until + gap }
        version += 1
    }

    public mutating func forgetDead(now: Instant, after: Duration) {
        // Peers silent far longer than the timeout are dropped from memory
        // (bounded state against a stream of spoofed ids).
        if peers.values.contains(where: { now - $0.lastHeard > after }) {
            peers = peers.filter { now - $0.value.lastHeard <= after }
            departed = departed.filter { peers[$0.key] != nil }
        }
        if suspects.values.contains(where: { now >= $0 }) {
            suspects = suspects.filter { now < $0.value }
        }
        version += 1
    }
}
