/// Every deadline of a node, by name, each beside the rule and the duration
/// it implements (in the manner of tigerbeetle's replica.zig, which names
/// every timeout beside its rule). `next` is the earliest armed one: the
/// latest time at which the shell must tick the node (`Node.nextDeadline`).
///
/// Two kinds:
/// - **armed** by the node when it acts (`heartbeat`, `checkpoint`,
///   `settleReport`): stored in `Node.armed`, set where the action happens;
/// - **derived** from the protocol state (all the others): computed afresh
///   by `Node.timers(now:)`, so that none can go stale when that state
///   changes. Nil means disarmed.
///
/// A timer firing only means "tick now": `Node.tick` checks each rule
/// against the clock, so an early tick is harmless.
public struct Timers: Sendable, Hashable {
    // MARK: armed by the node

    /// Multicast a heartbeat (with a digest page): every
    /// `heartbeatInterval` plus 0–9 ms of jitter. Also the housekeeping
    /// beat (forgetting dead peers, recomputing lags). Always armed.
    public var heartbeat: Instant
    /// Take a periodic checkpoint: `checkpointEvery` after the last one (1 s
    /// after a restore that had to read the whole replica); nil when
    /// checkpoints are off.
    public var checkpoint: Instant?
    /// Repeat the report on the ring being finished (Node+Settle):
    /// `nackInterval` after it was last sent; consulted only while a ring is
    /// being finished or has a gap.
    public var settleReport: Instant?

    // MARK: derived from the token's state

    /// The shell should send `.turnEnd`: now, while a holder keeps the
    /// token for the end of the turn (`Node.wantsTurnEnd`).
    public var turnEnd: Instant?
    /// Re-send an unanswered pass: the pass's `resendAt` (every
    /// `Node.resendInterval`, at least `tokenRetransmit`).
    public var passResend: Instant?
    /// The successor a pass waits for is declared dead by the membership:
    /// its last sign of life + the member timeout + 1 ms (`checkPass` then
    /// gives up on it without further re-sends).
    public var successorDead: Instant?
    /// An idle holder passes the token on: `idleHold` after it took it
    /// (not when alone in the ring).
    public var idleHold: Instant?
    /// The token is lost by silence: `TokenLossRule`, rule 1.
    public var tokenLoss: Instant?
    /// The token is lost with a dead holder: `TokenLossRule`, rule 2.
    public var deadHolder: Instant?
    /// Re-request the token for lines still waiting in the outbox: `idleHold`
    /// after the last request (now if none was sent).
    public var tokenRequest: Instant?
    /// Re-send the `leave` of a node that stops cleanly: every
    /// `leaveResendInterval` until it was sent `leaveSends` times
    /// (Node+Leave). While leaving, only this, the pass's re-send and the
    /// successor's death are armed.
    public var leaveResend: Instant?

    // MARK: derived from the delivery state

    /// NACK the current ring's gap again: `nackInterval` after the last
    /// NACK (now if none was sent yet).
    public var nack: Instant?
    /// Skip a hole of the current ring nobody filled: `holeTimeout` after
    /// the gap opened.
    public var hole: Instant?
    /// Skip a hole of the ring being finished: `holeTimeout` after it
    /// opened.
    public var finishingHole: Instant?

    public init(heartbeat: Instant, checkpoint: Instant? = nil) {
        self.heartbeat = heartbeat
        self.checkpoint = checkpoint
    }

    /// The earliest armed deadline (the heartbeat is always armed).
    public var next: Instant {
        var d = heartbeat
        func consider(_ t: Instant?) { if let t, t < d { d = t } }
        consider(checkpoint)
        consider(settleReport)
        consider(turnEnd)
        consider(passResend)
        consider(successorDead)
        consider(idleHold)
        consider(tokenLoss)
        consider(deadHolder)
        consider(tokenRequest)
        consider(leaveResend)
        consider(nack)
        consider(hole)
        consider(finishingHole)
        return d
    }
}

extension Node {
    /// Every deadline of this node at `now`: the armed ones, and the derived
    /// ones computed from the current state.
    public func timers(now: Instant) -> Timers {
        if let l = leaving { return leavingTimers(l, now: now) }
        var t = armed
        // Token
        if wantsTurnEnd { t.turnEnd = now }
        t.passResend = passing?.resendAt
        if let p = passing, let heard = membership.peers[p.token.to]?.lastHeard {
            t.successorDead = heard + memberTimeout + .milliseconds(1)
        }
        if let h = holding, successor(now: now) != id { t.idleHold = h.since + config.idleHold }
        if watchesForLoss {
            t.tokenLoss = lossDeadline(now: now)
            t.deadHolder = deadHolderDeadline(now: now)
        }
        if !outbox.isEmpty, holding == nil { t.tokenRequest = lastRequestSent.map { $0 + config.idleHold } ?? now }
        // Delivery
        if sequencer.hasGap || sequencer.finishing != nil {
            t.nack = sequencer.lastNack.map { $0 + config.nackInterval } ?? now
            t.hole = sequencer.holeSince.map { $0 + config.holeTimeout }
            t.finishingHole = sequencer.finishing?.holeSince.map { $0 + config.holeTimeout }
        } else {
            t.settleReport = nil
        }
        return t
    }
}
