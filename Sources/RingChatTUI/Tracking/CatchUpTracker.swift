import RingChatCore

/// After a restore (a simulated crash, or a restart with state): decides
/// when the node has caught up, so the screen can say so once, with how
/// many messages came from peers meanwhile.
///
/// The lag (messages known to exist but not held) is only learned from
/// peers' digests and the ring's sequence numbers, so right after the
/// restore it reads 0 merely because the node knows nothing yet; and a
/// message counted as held may still wait in the hold-back queue for an
/// earlier one. Caught up therefore means: the lag is 0 after it was seen
/// above 0, or it has stayed 0 for `settle` since peers were heard (their
/// digests had time to arrive), or, with no peer at all, `3 × settle`
/// after the restore; and in every case the lag has been 0 and no message
/// was delivered for `quiet`, so the messages the lag counted are on
/// screen first (a message counted as held may still be on its way out
/// of the hold-back queue).
struct CatchUpTracker {
    let since: Instant
    let settle: Duration
    let quiet: Duration
    private(set) var maxLag = 0
    /// Messages delivered since the restore: what came from peers.
    private(set) var fetched = 0
    private var peersHeardAt: Instant?
    private var lastDelivery: Instant?
    private var lagZeroSince: Instant?

    /// `settle`: a member list (from the ring's token, or restored from the
    /// checkpoint) comes before those members' digests do, and under a
    /// `--delay` of a few hundred ms a digest can take that long again:
    /// 2 s leaves a wide margin before a lag of 0 is believed.
    init(since: Instant, settle: Duration = .seconds(2), quiet: Duration = .milliseconds(600)) {
        self.since = since
        self.settle = settle
        self.quiet = quiet
    }

    mutating func delivered(at now: Instant) {
        fetched += 1
        lastDelivery = now
    }

    /// Feeds the latest status; true once caught up.
    mutating func update(_ status: NodeStatus?, now: Instant) -> Bool {
        guard let s = status else { return now - since >= settle }
        if s.members.count > 1, peersHeardAt == nil { peersHeardAt = now }
        maxLag = max(maxLag, s.lag)
        guard s.lag == 0 else {
            lagZeroSince = nil
            return false
        }
        if lagZeroSince == nil { lagZeroSince = now }
        let calmSince = max(lagZeroSince!, lastDelivery ?? lagZeroSince!)
        if now - calmSince < quiet { return false }
        if maxLag > 0 { return true }
        if let heard = peersHeardAt { return now - heard >= settle }
        return now - since >= settle * 3
    }
}
