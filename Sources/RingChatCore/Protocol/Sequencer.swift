/// The hold-back queue of the current ring: delivers its messages in seq
/// order, without gaps; a gap is NACKed and, if nobody fills it within the
/// hole timeout, skipped (the message, if it ever arrives, is a backfill).
struct Sequencer: Sendable {
    /// The ring being delivered.
    var ring: RingID?
    /// Next seq to deliver in `ring`; nil until the first evidence of where
    /// this node joined it.
    var next: UInt64?
    /// Highest seq known to exist in `ring` (from tokens and messages).
    var known: UInt64 = 0
    /// When the gap at `next` was first seen.
    var holeSince: Instant?
    var lastNack: Instant?
    /// The highest slot delivered in order.
    var lastDelivered: Slot?
    /// The ring this node just left, still being delivered: its seqs up to
    /// `last` come before anything of the current ring, which waits.
    var finishing: Finishing?
    /// Rings left while `finishing` was still incomplete, oldest first:
    /// each is finished after the one before it, and the current ring waits
    /// behind them all (non-empty only while `finishing` is set). A node
    /// woken from a pause can be walked through several rings by its
    /// backlog; flushing the ring it was finishing when it left the next
    /// one skipped holes that nobody had settled, and the others held
    /// those lines and had shown them in place. Totem likewise keeps the
    /// old ring's state when a recovery is interrupted by another
    /// membership change (totemsrp.c, `old_ring_state_save`).
    var queued: [Finishing] = []
    /// With this many rings waiting, the next ring change flushes them all
    /// (and the ring being finished) as they are: a peer that makes this
    /// node change rings over and over must not grow the queue without
    /// bound.
    static let maxQueued = 8
    /// The ring last finished, and through which seq: reopened if the
    /// current ring's lineage turns out to reach further before anything of
    /// the current ring was shown (Node+Install).
    var finished: (ring: RingID, through: UInt64)?

    struct Finishing: Sendable {
        var ring: RingID
        var next: UInt64
        var last: UInt64
        var holeSince: Instant?
    }

    /// Whether `ring` directly replaced the ring this node was in (its
    /// lineage names that ring): this node was there when it started.
    var replacedOurs = false

    /// A ring younger than this is joined from its first message, so that
    /// a fresh ring shows the same lines everywhere; an older ring is joined
    /// where this node found it, and its history arrives as backfill.
    static let joinFromStartBelow: UInt64 = 64
    /// The same for a ring that replaced ours, whatever the first evidence
    /// of it: its token can overtake its first data (UDP reorders, and a
    /// first visit of `maxBatch` lines already puts the token's next seq at
    /// 65). Every member of the old ring then shows the new one from its
    /// first line, as Totem delivers a new configuration to all its members.
    /// Bounded, so that a node that slept through a long ring does not hold
    /// its screen back until all of that ring is fetched.
    static let joinReplacementFromStartBelow: UInt64 = 4_096

    mutating func enter(_ r: RingID, replacingOurs: Bool = false) {
        ring = r
        replacedOurs = replacingOurs
        known = 0
        holeSince = nil
        lastNack = nil
        next = nil
    }

    mutating func setBase(_ seq: UInt64) {
        guard next == nil else { return }
        let fromStart = replacedOurs ? Sequencer.joinReplacementFromStartBelow : Sequencer.joinFromStartBelow
        next = seq <= fromStart ? 1 : seq
    }

    /// The ring this node left last among those still being finished.
    var lastLeft: Finishing? { queued.last ?? finishing }

    var hasGap: Bool {
        guard let next else { return false }
        return known >= next
    }
}
