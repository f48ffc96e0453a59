/// A snapshot of one node's state, written atomically by the shell
/// (checkpoint.json) and restored after a crash.
///
/// The messages themselves live in the replica (append-only); the checkpoint
/// records how many replica lines it covers, so that restore is: the first
/// `replicaCount` lines are the checkpointed log, the lines after it are
/// replayed, and the reconciler fetches the rest from peers.
public struct Checkpoint: Hashable, Sendable, Codable {
    /// 1, 2, 3... per node, never reused (it survives restarts).
    public var number: UInt64
    public var node: NodeID
    /// The incarnation that wrote it.
    public var incarnation: UInt32
    /// Wall-clock time it was taken (ms since the Unix epoch).
    public var takenAt: Int64
    public var nick: String
    /// Replica lines this checkpoint covers.
    public var replicaCount: Int
    /// The highest slot delivered in order when it was taken.
    public var lastDelivered: Slot?
    /// Typed lines not yet sent, with their ids.
    public var outbox: [OutboxEntry]
    /// The ring the node was in and the members it saw.
    public var ring: RingID?
    public var members: [NodeID]
    /// The highest ring epoch seen, so a restarted node never creates a ring
    /// below one it already knew.
    public var highestEpoch: UInt64
    /// UI state carried for the shell (the unsent draft of the input line).
    public var draft: String
    /// Where the `replicaCount` lines end in replica.jsonl, in bytes; set by
    /// the shell when it writes the checkpoint (the core does not know the
    /// file's bytes). Nil in checkpoints of older versions, or when an
    /// append failed and the position is unknown.
    public var replicaBytes: Int?
    /// FNV-1a of the line that ends at `replicaBytes` (16 hex digits): a
    /// replica rewritten since (`ringchat reconcile --write`) is noticed
    /// even when a line happens to end at the same byte.
    public var replicaTail: String?
    /// The log's state over those lines (version vector, occupied slots):
    /// with it a restart reads only the lines after `replicaBytes`. Nil in
    /// checkpoints of older versions.
    public var log: LogSnapshot?
    /// The rooms the node is in (`#name`s; the lobby is implied). Nil in
    /// checkpoints written before rooms existed.
    public var rooms: [String]?

    public init(number: UInt64, node: NodeID, incarnation: UInt32, takenAt: Int64, nick: String,
                replicaCount: Int, lastDelivered: Slot?, outbox: [OutboxEntry], ring: RingID?,
                members: [NodeID], highestEpoch: UInt64, draft: String,
                replicaBytes: Int? = nil, replicaTail: String? = nil, log: LogSnapshot? = nil, rooms: [String]? = nil) {
        self.rooms = rooms
        self.number = number
        self.node = node
        self.incarnation = incarnation
        self.takenAt = takenAt
        self.nick = nick
        self.replicaCount = replicaCount
        self.lastDelivered = lastDelivered
        self.outbox = outbox
        self.ring = ring
        self.members = members
        self.highestEpoch = highestEpoch
        self.draft = draft
        self.replicaBytes = replicaBytes
        self.replicaTail = replicaTail
        self.log = log
    }
}

extension Slot: Codable {
    enum CodingKeys: String, CodingKey { case ring, seq }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(ring: try c.decode(RingID.self, forKey: .ring), seq: try c.decode(UInt64.self, forKey: .seq))
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ring, forKey: .ring)
        try c.encode(seq, forKey: .seq)
    }
}

/// What survives a crash: the node's identity file, its checkpoints and its
/// replica. The simulator keeps one of these per node; the runtime reads it
/// from the state dir.
public struct DurableState: Sendable {
    public var node: NodeID
    /// The incarnation of the last start; the next start uses one more.
    public var incarnation: UInt32
    /// Newest first: the newest valid checkpoint and the one before it.
    public var checkpoints: [Checkpoint]
    /// Every replica line, in the order it was appended (the simulator
    /// keeps them all in memory; the runtime streams its file instead, see
    /// `ReplicaReplay`).
    public var replica: [ChatMessage]

    public init(node: NodeID, incarnation: UInt32, checkpoints: [Checkpoint] = [], replica: [ChatMessage] = []) {
        self.node = node
        self.incarnation = incarnation
        self.checkpoints = checkpoints
        self.replica = replica
    }
}
