/// When a token that no node is seen to hold counts as lost, and which node
/// regenerates it: the whole rule in one place (docs/PROTOCOL.md, "Token
/// loss"). To change how fast a ring recovers, change `defaultTimeout`
/// (or `NodeConfig.tokenLossTimeout` per node) and read `timeout` below.
///
/// The rule, for a node that neither holds nor is passing the token:
///
/// 1. **Silence.** No token activity (a token, an ack, fresh data of the
///    ring) for `timeout × (1 + rank)`: the token is lost. `rank` is the
///    node's position among the live members in ring order, so the lowest
///    regenerates first and the others only if it did not.
/// 2. **Dead holder.** The token was last seen with (or passed to) a node
///    the membership has declared dead: nothing can come of waiting for the
///    silence, so the first live node in rank regenerates as soon as the
///    holder is dead, the others one heartbeat interval later per rank.
///
/// A lost token is regenerated as a new, higher ring (Node+Token
/// `regenerate`): a second token of the same ring is never created.
public struct TokenLossRule: Sendable, Hashable {
    /// The configured loss timeout when none is given: with the default
    /// member timeout, a dead holder's ring delivers again within a second.
    public static let defaultTimeout: Duration = .milliseconds(400)

    /// The configured silence before a token is lost (`tokenLossTimeout`):
    /// the floor of `timeout`, and half its ceiling.
    public var configured: Duration
    /// What a holder may legitimately spend before giving up on a successor
    /// (`idleHold`, `tokenRetransmit`, `tokenRetries`): the silence waited
    /// for is at least that.
    public var idleHold: Duration
    public var tokenRetransmit: Duration
    public var tokenRetries: Int
    /// The step between ranks once the holder is known dead
    /// (`heartbeatInterval`).
    public var heartbeatInterval: Duration

    public init(config: NodeConfig) {
        configured = config.tokenLossTimeout
        idleHold = config.idleHold
        tokenRetransmit = config.tokenRetransmit
        tokenRetries = config.tokenRetries
        heartbeatInterval = config.heartbeatInterval
    }

    /// The configured timeout, stretched to what the network has shown:
    /// a holder may legitimately take its idle hold plus all its re-sends
    /// before it gives up on a successor, so the token is not "lost" before
    /// that; and peers' heartbeats may be late by a round trip.
    ///
    /// At most twice the configured value: under CPU load the measured
    /// round trip grows with the time a busy successor takes to read its
    /// socket, and an uncapped stretch (up to 3.1 s, times 1 + rank) turned
    /// a sub-second failover into seconds. The cap also keeps the rank
    /// order: rank r fires in [r+1, 2(r+1)] timeouts, never before rank
    /// r-1 whatever each node measured. A premature loss only costs a ring
    /// change; a dead holder is not waited for at all (`deadHolderDeadline`).
    ///
    /// A node in a ring that has not timed a pass yet (just restored, or
    /// new) cannot tell a slow network from a lost token: it counts the
    /// re-sends at `resendInterval` (the untimed 150 ms), as a holder
    /// without samples sends them (with the defaults: the cap). With the
    /// configured 40 ms a restored node of rank 0 called a healthy token
    /// lost under `--delay 20-300 --token-hold 400` (an idle hold plus a
    /// late pass is 700 ms; its peers, having timed passes, waited 800).
    /// Before any ring is heard there is no holder to wait for.
    ///
    /// - Parameters:
    ///   - inRing: whether the node is in a ring.
    ///   - resendInterval: the node's interval between re-sends of a pass.
    ///   - passRTT: the node's round-trip estimate of token passes.
    public func timeout(inRing: Bool, resendInterval: Duration, passRTT: RTTEstimator) -> Duration {
        let resend = inRing ? resendInterval : max(tokenRetransmit, passRTT.timeout)
        let stretched = idleHold + resend * (tokenRetries + 1) + passRTT.timeout
        return min(max(configured, stretched), configured * 2)
    }

    /// A node's position among the live members in ring order: the lowest
    /// regenerates first.
    public static func rank(of me: NodeID, in order: [NodeID]) -> Int {
        order.firstIndex(of: me) ?? 0
    }

    /// Rule 1: the token is lost at this instant if nothing is heard of it
    /// since `lastActivity`.
    public func silenceDeadline(lastActivity: Instant, timeout: Duration, rank: Int) -> Instant {
        lastActivity + timeout * (1 + rank)
    }

    /// Rule 2: when the token counts as lost with `holder`, the node it was
    /// last seen with, if that holder is dead; nil when this node is the
    /// holder or knows of none.
    ///
    /// A holder never heard (we restarted, or forgot it) may still be
    /// alive for the node that passed it the token: it gets a member
    /// timeout from the last token activity, or we would regenerate again
    /// each time that node passes to it (a storm of rings, seen in the
    /// simulator).
    ///
    /// - Parameter holderLastHeard: when the holder was last heard, nil if
    ///   it is unknown.
    public func deadHolderDeadline(holder: NodeID?, me: NodeID, holderLastHeard: Instant?, lastActivity: Instant,
                                   memberTimeout: Duration, rank: Int) -> Instant? {
        guard let holder, holder != me else { return nil }
        let deadAt = holderLastHeard.map { $0 + memberTimeout + .milliseconds(1) } ?? lastActivity + memberTimeout
        return max(deadAt, lastActivity) + heartbeatInterval * rank
    }
}

/// The rule applied to this node's state: its deadlines (for
/// `Node.timers(now:)`) and the check on every tick.
extension Node {
    /// The rule with this node's configuration.
    var lossRule: TokenLossRule { TokenLossRule(config: config) }

    /// The silence after which this node calls the token lost, at rank 0,
    /// times the local health multiplier (`LocalHealth`: a node whose own
    /// loop runs late waits longer before blaming the ring), plus the delay
    /// the token's last known holder has shown in taking passes
    /// (`MemberDelays`, at most its cap): a slow member is not a lost token.
    var lossTimeout: Duration {
        lossRule.timeout(inRing: ring != nil, resendInterval: resendInterval, passRTT: passRTT) * health.multiplier
            + delays.timeout(for: holderGuess)
    }

    /// Our position among the live members: the lowest regenerates first.
    func rank(now: Instant) -> Int {
        TokenLossRule.rank(of: id, in: ringOrder(now: now))
    }

    /// Rule 1 for this node.
    func lossDeadline(now: Instant) -> Instant {
        lossRule.silenceDeadline(lastActivity: lastActivity, timeout: lossTimeout, rank: rank(now: now))
    }

    /// Rule 2 for this node.
    func deadHolderDeadline(now: Instant) -> Instant? {
        guard let h = holderGuess, h != id else { return nil }
        return lossRule.deadHolderDeadline(holder: h, me: id, holderLastHeard: membership.peers[h]?.lastHeard,
                                           lastActivity: lastActivity, memberTimeout: memberTimeout,
                                           rank: rank(now: now))
    }

    /// Whether the rule applies at all: a node holding or passing the
    /// token has its own timers (`checkHolder`, `checkPass`).
    var watchesForLoss: Bool { holding == nil && passing == nil }

    /// On every tick: declares the token lost and regenerates it when
    /// either deadline has passed (the dead-holder one only while the
    /// membership still calls that holder dead).
    func checkLoss(now: Instant) {
        guard watchesForLoss else { return }
        if let h = holderGuess, h != id, !membership.isLive(h, now: now, timeout: memberTimeout),
           let due = deadHolderDeadline(now: now), now >= due {
            emit(.token(.lost(ring: ring)))
            regenerate(now: now)
            return
        }
        guard now >= lossDeadline(now: now) else { return }
        emit(.token(.lost(ring: ring)))
        regenerate(now: now)
    }
}
