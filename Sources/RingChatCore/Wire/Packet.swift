/// Every datagram RingChat sends. See docs/PROTOCOL.md for the layout.
public struct Packet: Hashable, Sendable {
    /// Who sent it, in which incarnation, and the sender's packet counter
    /// (one more per datagram; the future group-key envelope uses it as the
    /// nonce and replay guard).
    public var sender: NodeID
    public var incarnation: UInt32
    public var counter: UInt64
    public var body: Body

    public init(sender: NodeID, incarnation: UInt32, counter: UInt64, body: Body) {
        self.sender = sender
        self.incarnation = incarnation
        self.counter = counter
        self.body = body
    }

    public enum Body: Hashable, Sendable {
        /// Boxed: the largest body, and a rare one (a few a second), would
        /// make every packet, input and effect as large as it is.
        indirect case heartbeat(Heartbeat)
        case token(Token)
        case tokenAck(TokenAck)
        case tokenRequest(TokenRequest)
        case data(DataBatch)
        case nack(Nack)
        case reconcileRequest(ReconcileRequest)
        case settle(Settle)
        case leave(Leave)
    }
}

/// Sent every heartbeat interval: liveness, nick, ring, and one page of the
/// reconciler's digest.
public struct Heartbeat: Hashable, Sendable {
    public var nick: String
    public var ring: RingID?
    /// Lines waiting in the sender's outbox (its token demand).
    public var queued: UInt32
    /// The highest ring epoch the sender has seen.
    public var highestEpoch: UInt64
    public var digest: DigestSummary
    /// A rotating window of the sender's version vector.
    public var page: [DigestEntry]
    /// Where the sender's ring came from.
    public var lineage: RingLineage?
    /// The rooms the sender is in (`#name`s; the lobby is implied): what
    /// `/list` counts.
    public var rooms: [String]
    /// The sender's X25519 public key (32 bytes, or none): what private
    /// messages to it are sealed for.
    public var identity: [UInt8]

    public init(nick: String, ring: RingID?, queued: UInt32, highestEpoch: UInt64, digest: DigestSummary,
                page: [DigestEntry], lineage: RingLineage? = nil, rooms: [String] = [], identity: [UInt8] = []) {
        self.rooms = rooms
        self.identity = identity
        self.nick = nick
        self.ring = ring
        self.queued = queued
        self.highestEpoch = highestEpoch
        self.digest = digest
        self.page = page
        self.lineage = lineage
    }
}

/// A summary of a whole version vector: equal summaries mean (with
/// overwhelming probability) equal replicas, so nothing to reconcile.
public struct DigestSummary: Hashable, Sendable {
    public var streams: UInt32
    public var messages: UInt64
    public var hash: UInt64

    public init(streams: UInt32, messages: UInt64, hash: UInt64) {
        self.streams = streams
        self.messages = messages
        self.hash = hash
    }
}

/// One origin-incarnation stream of a version vector.
public struct DigestEntry: Hashable, Sendable {
    public var stream: StreamID
    /// Highest counter held with no gap below it.
    public var contiguous: UInt32
    /// Highest counter held at all.
    public var max: UInt32
    /// How many counters are held.
    public var count: UInt32
    /// Order-independent hash of the held counters.
    public var setHash: UInt64

    public init(stream: StreamID, contiguous: UInt32, max: UInt32, count: UInt32, setHash: UInt64) {
        self.stream = stream
        self.contiguous = contiguous
        self.max = max
        self.count = count
        self.setHash = setHash
    }
}

/// The token: only its holder sends chat messages.
public struct Token: Hashable, Sendable {
    public var ring: RingID
    /// One more on every pass; a token with a hop already seen is a
    /// duplicate or a re-send.
    public var hop: UInt64
    /// The successor it is passed to, in the incarnation the sender knew:
    /// a successor that restarted since must not take a pass meant for its
    /// previous life (it may already have passed that hop on).
    public var to: NodeID
    public var toIncarnation: UInt32
    /// The next sequence number to assign in this ring.
    public var nextSeq: UInt64
    public var lineage: RingLineage?

    public init(ring: RingID, hop: UInt64, to: NodeID, toIncarnation: UInt32, nextSeq: UInt64,
                lineage: RingLineage? = nil) {
        self.ring = ring
        self.hop = hop
        self.to = to
        self.toIncarnation = toIncarnation
        self.nextSeq = nextSeq
        self.lineage = lineage
    }
}

/// "I hold hop `hop` of `ring`": stops the predecessor's re-sends and shows
/// every screen where the token is.
public struct TokenAck: Hashable, Sendable {
    public var ring: RingID
    public var hop: UInt64
    public var nextSeq: UInt64
    public var lineage: RingLineage?

    public init(ring: RingID, hop: UInt64, nextSeq: UInt64, lineage: RingLineage? = nil) {
        self.ring = ring
        self.hop = hop
        self.nextSeq = nextSeq
        self.lineage = lineage
    }
}

/// "I have `queued` lines to send": an idle holder passes on at once
/// instead of holding.
public struct TokenRequest: Hashable, Sendable {
    public var ring: RingID?
    public var queued: UInt32

    public init(ring: RingID?, queued: UInt32) {
        self.ring = ring
        self.queued = queued
    }
}

/// Chat messages: fresh from the token holder, or re-sent to fill a gap.
public struct DataBatch: Hashable, Sendable {
    public var retransmission: Bool
    /// Fresh batches carry their ring's lineage.
    public var lineage: RingLineage?
    public var messages: [ChatMessage]

    public init(retransmission: Bool, messages: [ChatMessage], lineage: RingLineage? = nil) {
        self.retransmission = retransmission
        self.messages = messages
        self.lineage = lineage
    }
}

/// Where a ring came from: the ring it replaced and the last seq of that
/// ring its creator knew of. Everything that announces a ring carries it,
/// so that a node moving on from the old ring first delivers it up to that
/// seq (fetching what it lacks) and only then the new ring: every node
/// shows the old ring complete, in the same order, before the new one.
public struct RingLineage: Hashable, Sendable {
    public var previous: RingID
    public var last: UInt64

    public init(previous: RingID, last: UInt64) {
        self.previous = previous
        self.last = last
    }
}

/// "I lack these seqs of `ring`": a gap in the hold-back queue.
public struct Nack: Hashable, Sendable {
    public var ring: RingID
    public var ranges: [ClosedRange<UInt64>]

    public init(ring: RingID, ranges: [ClosedRange<UInt64>]) {
        self.ring = ring
        self.ranges = ranges
    }
}

/// The reconciler's range request, addressed to one peer whose digest
/// showed more than we hold.
public struct ReconcileRequest: Hashable, Sendable {
    public var target: NodeID
    public var ranges: [StreamRange]

    public init(target: NodeID, ranges: [StreamRange]) {
        self.target = target
        self.ranges = ranges
    }
}

public struct StreamRange: Hashable, Sendable {
    public var stream: StreamID
    public var counters: ClosedRange<UInt32>

    public init(stream: StreamID, counters: ClosedRange<UInt32>) {
        self.stream = stream
        self.counters = counters
    }
}

/// What one node holds of a ring that was replaced (Totem's recovery
/// report: its `aru` and high seq, with the holes in between). Of the
/// ring's seqs `from...through` the sender holds all but `holes`; it
/// knows of seqs up to `high`, and when `through >= high` it holds none
/// above `through`. Survivors re-send what another lacks, and a seq that
/// every live member reports as not held is missing for that ring: it is
/// skipped at once instead of after the hole timeout.
public struct Settle: Hashable, Sendable {
    public var ring: RingID
    public var from: UInt64
    public var through: UInt64
    public var high: UInt64
    public var holes: [ClosedRange<UInt64>]

    public init(ring: RingID, from: UInt64, through: UInt64, high: UInt64, holes: [ClosedRange<UInt64>]) {
        self.ring = ring
        self.from = from
        self.through = through
        self.high = high
        self.holes = holes
    }

    /// Whether the sender says it does not hold `seq` (nil: it does not say).
    public func lacks(_ seq: UInt64) -> Bool? {
        if seq > high && through >= high { return true }
        guard seq >= from, seq <= through else { return nil }
        return holes.contains { $0.contains(seq) }
    }
}

/// "I am leaving for good (in this incarnation)": sent by a node that stops
/// cleanly, a few times (it is UDP), after it passed a held token on. The
/// others drop it from the ring order at once. `took` is the highest hop of
/// `ring` the sender took; it takes no later one: a pass to it with a
/// higher hop was never taken and never will be, so its sender may pass
/// the token on to the next member at once (docs/PROTOCOL.md, "Leaving").
public struct Leave: Hashable, Sendable {
    /// The ring the sender leaves (nil: it was in none).
    public var ring: RingID?
    /// The highest hop of `ring` the sender took (0: none).
    public var took: UInt64

    public init(ring: RingID?, took: UInt64) {
        self.ring = ring
        self.took = took
    }
}
