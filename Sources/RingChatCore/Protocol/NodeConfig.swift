/// Timers and bounds of the protocol, with their defaults. docs/PROTOCOL.md
/// explains each; the defaults aim at "the ring delivers again within 1 s
/// after the holder dies" and "an idle ring costs almost nothing".
public struct NodeConfig: Sendable, Hashable {
    /// How often a node multicasts its heartbeat.
    public var heartbeatInterval: Duration = .milliseconds(100)
    /// Silence after which a peer is considered dead.
    public var memberTimeout: Duration = .milliseconds(450)
    /// The holder re-sends a pass this often until the successor acts.
    public var tokenRetransmit: Duration = .milliseconds(40)
    /// Re-sends before the successor is declared dead and skipped (by
    /// forming a new ring without it, never by handing out a second token).
    public var tokenRetries: Int = 4
    /// How long an idle holder keeps the token before passing it on, when
    /// nobody asked for it.
    public var idleHold: Duration = .milliseconds(100)
    /// No token activity for this long: the token is lost. The lowest live
    /// node regenerates it; the others wait one more timeout per rank. The
    /// whole rule, and how this is stretched: `TokenLossRule`.
    public var tokenLossTimeout: Duration = TokenLossRule.defaultTimeout
    /// Chat messages a holder may send per visit (flow control).
    public var maxBatch: Int = 64
    /// Datagram budget when packing messages.
    public var maxDatagram: Int = 1_400
    /// Repeat interval of a NACK for the same gap.
    public var nackInterval: Duration = .milliseconds(120)
    /// A gap nobody fills for this long is skipped; the message, if it ever
    /// arrives, is shown at its place in the history (a backfill).
    public var holeTimeout: Duration = .seconds(3)
    /// Repeat interval of a reconcile request for the same stream.
    public var reconcileRetry: Duration = .milliseconds(400)
    /// Messages one node re-sends per second at most in answer to NACKs.
    public var resendBudgetPerSecond: Int = 4_000
    /// Counters one reconcile request asks for at most, and messages one
    /// answer carries: a peer catching up asks for the next batch as soon as
    /// one is complete, so this is its window.
    public var reconcileBatch: Int = 1_024
    /// Messages one node sends per second at most in answer to reconcile
    /// requests (all requesters together).
    public var reconcileAnswerPerSecond: Int = 100_000
    /// Digest entries per heartbeat.
    public var digestPage: Int = 24
    /// Periodic checkpoints; nil turns them off.
    public var checkpointEvery: Duration? = .seconds(10)
    /// Recent messages kept in memory (the rest are read from the replica
    /// when a peer asks for them).
    public var recentMessages: Int = MessageLog.defaultCapacity
    /// Typed lines waiting for the token, at most.
    public var maxOutbox: Int = 10_000
    /// How many times a node that stops cleanly multicasts its `leave`
    /// (it is UDP), `leaveResendInterval` apart (Node+Leave).
    public var leaveSends: Int = 3
    public var leaveResendInterval: Duration = .milliseconds(20)
    /// How long the shell keeps a leaving node running at most, for its
    /// leave re-sends and for its last pass to be answered.
    public var leaveLinger: Duration = .milliseconds(400)

    public init() {}
}
