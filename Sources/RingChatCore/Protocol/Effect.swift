/// What a `Node` asks its shell to do, or tells its screen. The core never
/// performs I/O; the runtime carries these out, the simulator records them.
///
/// An input's effects are one array, a delivery per message: the rare large
/// cases (a checkpoint, a status) are boxed, so that every element is not
/// as large as they are (the arrays' growth and copies were 2% of a busy
/// node at 264 bytes an effect).
public enum Effect: Sendable, Hashable {
    /// Multicast this packet to the group.
    case send(Packet)
    /// Show this message. `backfill` means it belongs before messages
    /// already shown (it was late: a filled gap or a healed partition).
    case deliver(ChatMessage, backfill: Bool)
    /// Append these newly held messages to the replica file.
    case persist([ChatMessage])
    /// Write this checkpoint (atomically, after the replica lines it covers
    /// are durable).
    indirect case writeCheckpoint(Checkpoint)
    /// The token's story, for the screen and the simulator's checker.
    case token(TokenEvent)
    /// The state shown in the status bar changed.
    indirect case status(NodeStatus)
    /// A restore from checkpoint + replica finished.
    case restored(RestoreReport)
    /// Something the user should know (a rejected line, a warning).
    case notice(String)
    /// Read these messages from the history store (the replica) and feed
    /// them back as `.historyRead` (Node+History).
    case readHistory(HistoryRequest)
}

public enum TokenEvent: Sendable, Hashable {
    /// We want the token: `queued` lines wait in the outbox.
    case requested(queued: Int)
    /// We hold hop `hop` of `ring`.
    case granted(ring: RingID, hop: UInt64, from: NodeID?)
    /// We passed it on.
    case passed(ring: RingID, hop: UInt64, to: NodeID)
    /// We sent `count` messages (seqs `seqs`) while holding it.
    case sent(ring: RingID, seqs: ClosedRange<UInt64>)
    /// The successor did not take it: we form a new ring without it.
    case successorSilent(NodeID)
    /// No token activity in `ring` for the loss timeout: the token is lost
    /// (this node regenerates it next).
    case lost(ring: RingID?)
    /// We created a new ring and hold its token.
    case regenerated(ring: RingID)
    /// We left `old` (if any) for `new`, a higher ring; a token of `old` we
    /// held or were passing is destroyed.
    case ringChanged(old: RingID?, new: RingID)
    /// Someone else now holds the token (seen on the wire).
    case holderChanged(NodeID)
}

/// What the status bar shows.
public struct NodeStatus: Sendable, Hashable {
    public var node: NodeID
    public var nick: String
    public var ring: RingID?
    /// Who holds the token, as far as this node has seen.
    public var holder: NodeID?
    /// Live members in ring order, with their nicks.
    public var members: [Member]
    /// Messages known to exist but not held here.
    public var lag: Int
    /// Lines waiting for the token.
    public var queued: Int
    public var lastCheckpoint: CheckpointInfo?
    /// The rooms this node announces (`Node.Input.announce`).
    public var rooms: [String] = []

    public struct Member: Sendable, Hashable {
        public var id: NodeID
        public var nick: String
        /// Its lag as far as its digest tells (messages we hold that it lacks).
        public var lag: Int
        /// What it announces: its rooms and identity key (none if unknown).
        public var rooms: [String] = []
        public var identity: [UInt8] = []
    }

    public struct CheckpointInfo: Sendable, Hashable {
        public var number: UInt64
        public var takenAt: Int64
        public var replicaCount: Int
    }
}

/// How change detection treats each stored property of `NodeStatus`. The
/// node emits a status whenever one of them changes, and compares the
/// status as a whole value (`Node.emitStatusIfChanged`), so a new property
/// is covered as soon as `makeStatus` fills it; only the exceptions below
/// need care, and `NodeStatusChangeTests` fails until a new property is
/// listed here.
extension NodeStatus {
    public enum Change: Sendable {
        /// Compared as it is.
        case value
        /// Compared through the versions of what it is built from, not
        /// built to be compared: `members` comes from the ring order, the
        /// membership (peers' nicks) and the peers' lags, and building it
        /// after every packet was a fifth of the simulator's time and 2% of
        /// a busy node's.
        case inputs
        /// Compared by the node like `.value`, but left out of the headless
        /// `status` event (`withoutFrequentFields`): the holder moves ten
        /// times a second on an idle ring, and is reported as `token`.
        case frequent
    }

    /// Every stored property, in declaration order, and its treatment.
    public static let changeDetection: KeyValuePairs<String, Change> = [
        "node": .value, "nick": .value, "ring": .value, "holder": .frequent, "members": .inputs,
        "lag": .value, "queued": .value, "lastCheckpoint": .value, "rooms": .value,
    ]

    /// This status without its `.frequent` properties: what the headless
    /// `status` event compares to decide whether to report.
    public var withoutFrequentFields: NodeStatus {
        var s = self
        s.holder = nil
        return s
    }
}

public struct RestoreReport: Sendable, Hashable {
    /// The checkpoint rolled back to, if any.
    public var checkpoint: UInt64?
    /// Messages the checkpoint covered, and replica lines replayed after it.
    public var checkpointMessages: Int
    public var replayed: Int
    /// Typed lines recovered from the checkpoint's outbox.
    public var outbox: Int
    public var incarnation: UInt32
    public var draft: String
    public var warnings: [String]
}
