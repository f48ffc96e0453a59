import RingChatCore

/// After a simulated crash: decides when the node has caught up, so the
/// screen can say so once.
///
/// The lag (messages known to exist but not held) is only learned from
/// peers' digests, so right after the restore it reads 0 merely because
/// the node knows nothing yet. Caught up therefore means: the lag is 0
/// after it was seen above 0, or it has stayed 0 for `settle` since peers
/// were heard (their digests had time to arrive), or, with no peer at
/// all, `settle` after the restore.
struct CatchUpTracker {
    let since: Instant
    let settle: Duration
    private(set) var maxLag = 0
    /// Messages delivered since the restore: what came from peers.
    private(set) var fetched = 0
    private var peersHeardAt: Instant?

    /// `settle`: a member list (from the ring's token, or restored from the
    /// checkpoint) comes before those members' digests do, and under a
    /// `--delay` of a few hundred ms a digest can take that long again:
    /// 2 s leaves a wide margin before a lag of 0 is believed.
    init(since: Instant, settle: Duration = .seconds(2)) {
        self.since = since
        self.settle = settle
    }

    mutating func delivered() { fetched += 1 }

    /// Feeds the latest status; true once caught up.
    mutating func update(_ status: NodeStatus?, now: Instant) -> Bool {
        guard let s = status else { return now - since >= settle }
        maxLag = max(maxLag, s.lag)
        guard s.lag == 0 else { return false }
        if maxLag > 0 { return true }
        if s.members.count > 1 {
            if peersHeardAt == nil { peersHeardAt = now }
            return now - peersHeardAt! >= settle
        }
        return now - since >= settle * 3
    }
}
