/// How long each member takes to act on a pass addressed to it, as this
/// node sees it: from the first sight of the pass (our own send, or the
/// multicast pass between two others) to the first sign that the member
/// took it (its ack, its data, its own pass). One RFC 6298 estimator per
/// member, so the token's failure timers follow what each member's delays
/// really are (issue 21, item 5): a member whose every datagram arrives
/// 200-1500 ms late (`--delay 200-1500`) is waited for that long, while a
/// dead member on a healthy LAN, which answered in microseconds before it
/// died, is still given up on at the configured timeouts.
///
/// The estimate only ever lengthens a timeout, and by at most `cap`: a
/// member that merely looked slow once cannot hold the ring for longer.
struct MemberDelays: Sendable {
    /// The longest a slow member is waited for beyond the configured
    /// timeouts: a dead slow member is still dropped within a few seconds.
    static let cap: Duration = .seconds(3)
    /// At most this many members are tracked (state bounded against a
    /// stream of spoofed ids); the rest count as fast.
    static let maxMembers = 256

    private var estimates: [NodeID: RTTEstimator] = [:]
    /// The pass to each member being timed: its ring and hop, and when
    /// this node first saw it. Kept until the member acts in that ring (up
    /// to `cap`), even after the ring was replaced and new passes went to
    /// it: the act that came too late, after a ring was formed without
    /// waiting for it, is the sample that matters most.
    private var timing: [NodeID: (ring: RingID, hop: UInt64, seenAt: Instant)] = [:]

    /// A pass of `ring` at `hop` to `to` was seen (sent by us or by another).
    mutating func sawPass(ring: RingID, hop: UInt64, to: NodeID, at now: Instant) {
        if let t = timing[to], now - t.seenAt < MemberDelays.cap || (t.ring == ring && t.hop >= hop) { return }
        guard timing[to] != nil || timing.count < MemberDelays.maxMembers else { return }
        timing[to] = (ring, hop, now)
    }

    /// `member` acted in `ring` on the pass of hop `hop` or a later one (an
    /// ack of that hop, its own pass of the next one; nil for fresh data,
    /// which only the holder sends): the pass to it in that ring, if timed,
    /// gives a sample. An older act (a re-sent ack of an earlier visit)
    /// says nothing about the pass being timed.
    mutating func sawAct(by member: NodeID, ring: RingID, hop: UInt64?, at now: Instant) {
        guard let t = timing[member], t.ring == ring, hop.map({ $0 >= t.hop }) ?? true else { return }
        timing[member] = nil
        guard now >= t.seenAt else { return }
        if estimates[member] == nil {
            guard estimates.count < MemberDelays.maxMembers else { return }
            estimates[member] = RTTEstimator(cap: MemberDelays.cap)
        }
        estimates[member]!.add(now - t.seenAt)
    }

    /// srtt + 4·rttvar of `member`'s delay, at most `cap`; zero if unknown.
    func timeout(for member: NodeID?) -> Duration {
        guard let m = member, let e = estimates[m] else { return .zero }
        return e.timeout
    }
}
