/// Semantic validation of a decoded packet: the decoder is strict about
/// bytes, this is strict about what the numbers claim. A packet whose
/// epoch, hop, seq, lineage or timestamp no honest node could send, given
/// what this node knows, is dropped before it reaches `Node`'s state
/// machine (and counted). docs/PROTOCOL.md §12 gives the bounds and why an
/// honest peer never fails them.
///
/// Pure and cheap: a few comparisons per number, no allocation on success.
public enum PacketValidator {
    /// No honest epoch, hop, seq or lineage seq reaches this: each grows by
    /// one per ring formed, token pass or message, and at a million a second
    /// 2^62 takes 146,000 years. Everything below it has room for any `+ 1`
    /// or window added to it.
    public static let ceiling: UInt64 = 1 << 62
    /// How far above the highest epoch this node has seen a claimed epoch may
    /// be. Honest epochs grow by one per ring formed, a few a second at most
    /// (each needs a loss or retry timeout); 2^32 of them is decades of
    /// nonstop ring changes, between two meetings of the same two nodes.
    public static let epochWindow: UInt64 = 1 << 32
    /// How far ahead of the highest seq (or hop) this node has seen in a
    /// ring a claim in that ring may be. A node stays in a ring only while it
    /// hears its token (else it forms a new one within seconds), so it lags
    /// by what one timeout or a suspended process misses; 2^40 is three years
    /// at 10,000 passes or messages a second.
    public static let seqWindow: UInt64 = 1 << 40
    /// Largest timestamp magnitude (ms since 1970): 146 million years. Only
    /// shown on screen, but screens subtract and divide it.
    public static let maxTimestamp: Int64 = 1 << 62

    /// What the receiving node knows, against which claims are judged.
    public struct Knowledge: Sendable, Hashable {
        /// The highest ring epoch this node has seen (or restored).
        public var highestEpoch: UInt64
        /// Its current ring, the highest hop and seq seen in it (0: none
        /// seen yet, so only the ceiling applies).
        public var ring: RingID?
        public var hop: UInt64
        public var seq: UInt64
        /// The ring it is still finishing after a ring change, and the
        /// highest seq known in it.
        public var finishing: RingID?
        public var finishingLast: UInt64
        /// The node itself, to recognise a token it would take.
        public var me: NodeID?
        public var incarnation: UInt32

        public init(highestEpoch: UInt64, ring: RingID? = nil, hop: UInt64 = 0, seq: UInt64 = 0,
                    finishing: RingID? = nil, finishingLast: UInt64 = 0, me: NodeID? = nil, incarnation: UInt32 = 0) {
            self.me = me
            self.incarnation = incarnation
            self.highestEpoch = highestEpoch
            self.ring = ring
            self.hop = hop
            self.seq = seq
            self.finishing = finishing
            self.finishingLast = finishingLast
        }
    }

    /// Why a packet was judged implausible: the field, its value, the bound.
    public struct Rejection: Error, Sendable, Hashable, CustomStringConvertible {
        /// Which kind of bound failed.
        public enum Bound: Sendable, Hashable {
            /// No honest node ever sends it, whatever it knows: above the
            /// ceiling, a zero where counting starts at one.
            case absolute
            /// An epoch more than `epochWindow` above this node's highest.
            case epochWindow
            /// A hop or seq more than `seqWindow` ahead of this ring's.
            case seqWindow
        }

        public var field: String
        public var value: String
        public var reason: String
        public var bound: Bound

        public init(_ field: String, _ value: some CustomStringConvertible, _ reason: String, bound: Bound = .absolute) {
            self.field = field
            self.value = value.description
            self.reason = reason
            self.bound = bound
        }

        public var description: String { "\(field) \(value) \(reason)" }
    }

    /// The first implausible number in `p`, or nil if every number is one
    /// an honest node could send.
    public static func check(_ p: Packet, knowing k: Knowledge) -> Rejection? {
        verdict { () throws(Rejection) in try check(p, k) }
    }

    /// The first rejection `checks` throws, or nil.
    static func verdict(_ checks: () throws(Rejection) -> Void) -> Rejection? {
        do {
            try checks()
            return nil
        } catch {
            return error
        }
    }

    private static func check(_ p: Packet, _ k: Knowledge) throws(Rejection) {
        // Incarnations start at 1 (node.json), and the first datagram of
        // each is counter 1.
        guard p.incarnation >= 1 else { throw Rejection("incarnation", p.incarnation, "is 0; incarnations start at 1") }
        guard p.counter >= 1 else { throw Rejection("packet counter", p.counter, "is 0; counters start at 1") }
        switch p.body {
        case .heartbeat(let h):
            let highest = k.highestEpoch.addingSaturating(epochWindow)
            guard h.highestEpoch <= ceiling else { throw Rejection("heartbeat highest epoch", h.highestEpoch, aboveCeiling) }
            guard h.highestEpoch <= highest else {
                throw Rejection("heartbeat highest epoch", h.highestEpoch, "is more than 2^32 above the highest epoch seen (\(k.highestEpoch))",
                                bound: .epochWindow)
            }
            if let r = h.ring { try epoch(r, "heartbeat ring", k) }
            try lineage(h.lineage, "heartbeat", k)
        case .token(let t):
            try epoch(t.ring, "token ring", k)
            try hop(t.hop, t.ring, "token hop", k)
            try seq(t.nextSeq, t.ring, "token next seq", k, min: 1)
            try lineage(t.lineage, "token", k)
            // A token this node would take is newer than anything it has
            // seen of the ring, so every seq it knows of was assigned before
            // it: its next seq lies above them. (Stamping lines at seqs that
            // are taken would lose them.)
            if t.to == k.me, t.toIncarnation == k.incarnation, t.ring == k.ring, t.hop > k.hop, t.nextSeq <= k.seq {
                throw Rejection("token next seq", t.nextSeq, "is not above seq \(k.seq), already known in ring \(t.ring)",
                                bound: .seqWindow)
            }
        case .tokenAck(let a):
            try epoch(a.ring, "ack ring", k)
            try hop(a.hop, a.ring, "ack hop", k)
            try seq(a.nextSeq, a.ring, "ack next seq", k, min: 1)
            try lineage(a.lineage, "ack", k)
        case .tokenRequest(let r):
            if let ring = r.ring { try epoch(ring, "token request ring", k) }
        case .data(let d):
            try lineage(d.lineage, "data", k)
            // Only the fields checked are read: `for m in` copied each
            // message (a retain and a release of its strings per line).
            for i in d.messages.indices { try message(at: d.messages[i].slot, timestamp: d.messages[i].timestamp, k) }
        case .nack(let n):
            try epoch(n.ring, "nack ring", k)
            for r in n.ranges { try seq(r.upperBound, n.ring, "nack range end", k, min: 1) }
        case .settle(let st):
            try epoch(st.ring, "settle ring", k)
            try seq(st.high, st.ring, "settle high seq", k, min: 0)
        case .leave(let l):
            if let r = l.ring {
                try epoch(r, "leave ring", k)
                try hop(l.took, r, "leave hop", k)
            }
        case .reconcileRequest:
            // Stream counters are 32 bits and every value is served in
            // bounded work (spans are capped by the decoder): nothing to judge.
            break
        }
    }

    static let aboveCeiling = "is above the ceiling 2^62"

    static func message(_ m: ChatMessage, _ k: Knowledge) throws(Rejection) {
        try message(at: m.slot, timestamp: m.timestamp, k)
    }

    static func message(at slot: Slot, timestamp ts: Int64, _ k: Knowledge) throws(Rejection) {
        try epoch(slot.ring, "message ring", k)
        try seq(slot.seq, slot.ring, "message seq", k, min: 1)
        try timestamp(ts, "message timestamp")
    }

    static func timestamp(_ ts: Int64, _ field: String) throws(Rejection) {
        guard ts >= -maxTimestamp, ts <= maxTimestamp else { throw Rejection(field, ts, "is beyond ±2^62 ms") }
    }

    static func epoch(_ r: RingID, _ field: @autoclosure () -> String, _ k: Knowledge) throws(Rejection) {
        guard r.epoch >= 1 else { throw Rejection(field() + " epoch", r.epoch, "is 0; rings start at epoch 1") }
        guard r.epoch <= ceiling else { throw Rejection(field() + " epoch", r.epoch, aboveCeiling) }
        guard r.epoch <= k.highestEpoch.addingSaturating(epochWindow) else {
            throw Rejection(field() + " epoch", r.epoch, "is more than 2^32 above the highest epoch seen (\(k.highestEpoch))",
                            bound: .epochWindow)
        }
    }

    static func hop(_ h: UInt64, _ r: RingID, _ field: @autoclosure () -> String, _ k: Knowledge) throws(Rejection) {
        guard h <= ceiling else { throw Rejection(field(), h, aboveCeiling) }
        if r == k.ring, k.hop > 0, h > k.hop.addingSaturating(seqWindow) {
            throw Rejection(field(), h, "is more than 2^40 ahead of the highest hop seen in ring \(r) (\(k.hop))", bound: .seqWindow)
        }
    }

    static func seq(_ s: UInt64, _ r: RingID, _ field: @autoclosure () -> String, _ k: Knowledge, min: UInt64) throws(Rejection) {
        guard s >= min else { throw Rejection(field(), s, "is below \(min)") }
        guard s <= ceiling else { throw Rejection(field(), s, aboveCeiling) }
        let known: UInt64 = r == k.ring ? k.seq : r == k.finishing ? k.finishingLast : 0
        if known > 0, s > known.addingSaturating(seqWindow) {
            throw Rejection(field(), s, "is more than 2^40 ahead of the highest seq known in ring \(r) (\(known))", bound: .seqWindow)
        }
    }

    static func lineage(_ l: RingLineage?, _ what: String, _ k: Knowledge) throws(Rejection) {
        guard let l else { return }
        // The field names are only built for a rejection (this runs for
        // every packet that carries a lineage).
        try epoch(l.previous, what + " lineage ring", k)
        try seq(l.last, l.previous, what + " lineage last seq", k, min: 0)
    }
}
