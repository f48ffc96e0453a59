import RingChatCore

/// One simulated run's parameters. Everything random in a run is drawn from
/// `seed`.
public struct SimulationConfig: Sendable {
    public var seed: UInt64 = 1
    public var nodes = 5
    /// Per-datagram, per-receiver probabilities.
    public var loss = 0.0
    public var duplication = 0.0
    /// Each datagram copy is delayed uniformly in [minDelay, maxDelay], so
    /// datagrams overtake each other.
    public var minDelay: Duration = .microseconds(100)
    public var maxDelay: Duration = .milliseconds(1)
    public var crashes = false
    public var partitions = false
    /// Virtual time with faults and typing; then the network heals, crashed
    /// nodes restart, typing stops, and the run waits for convergence.
    public var duration: Duration = .seconds(20)
    /// How long convergence may take after the faults stop.
    public var settleLimit: Duration = .seconds(30)
    /// Lines typed per second per node.
    public var typingRate = 0.5
    /// Mean time between crashes (whole cluster), and downtime bounds.
    public var meanTimeBetweenCrashes: Duration = .seconds(4)
    public var downtime: ClosedRange<Int64> = 200...3_000 // ms
    public var meanTimeBetweenPartitions: Duration = .seconds(6)
    public var partitionLength: ClosedRange<Int64> = 500...5_000 // ms
    /// One more node on the network, `HostileNode`: while the faults last it
    /// multicasts a well-formed packet with extreme numbers every
    /// `hostileInterval`; then it falls silent, and the honest nodes must
    /// converge as usual.
    public var hostile = false
    public var hostileInterval: Duration = .milliseconds(20)
    /// CPU time a node spends on each packet and timer: a loaded node
    /// handles its input late, in arrival order (what stretches measured
    /// round trips on a busy machine). Zero: infinitely fast nodes.
    public var processingCost: Duration = .zero
    /// Pauses (SIGSTOP, then SIGCONT after `pauseLength`): a paused node
    /// handles nothing; what reaches it waits, and when it wakes it handles
    /// the queued datagrams first (they wait in its socket), then its
    /// timers. At most `pauseBacklog` datagrams wait; later ones are lost,
    /// as a full socket buffer drops them. Lines are not typed into a
    /// paused node. One node is paused at a time.
    public var pauses = false
    public var meanTimeBetweenPauses: Duration = .seconds(5)
    public var pauseLength: ClosedRange<Int64> = 1_000...3_000 // ms
    public var pauseBacklog = 2_000
    /// Check `Invariant.noLateDelivery` (no line shown late in a run
    /// without partitions). Off by default until the protocol installs new
    /// rings before delivering in them: today's code breaks it after
    /// concurrent ring formations and pauses.
    public var checkLateDeliveries = false
    /// Which node a crash kills.
    public var crashTarget: CrashTarget = .random
    public enum CrashTarget: String, Sendable, CaseIterable {
        /// Any live node.
        case random
        /// The node holding (or being passed) the token, when there is one.
        case holder
        /// A node with lines waiting in its outbox (a sender under load).
        case sender
        /// A node whose pass nobody has taken yet (the token is on its way
        /// to the successor); while there is none, the crash waits. With
        /// no downtime this is a simulated crash (F9) that leaves the token
        /// alive: the ring must carry on without forming a new one.
        case passer
        /// The node a pass is addressed to while nobody has taken it yet
        /// (waits for one, as `passer`): the passer finds its successor
        /// silent while the others find the token's holder dead, both when
        /// the membership declares it dead, often on the same tick: two
        /// survivors form new rings at once.
        case passee
    }
    /// Rooms and private messages (issue 20; `Simulation+Rooms`): `rooms`
    /// rooms (`#r0`...) that each node joins and parts, a change every
    /// `meanTimeBetweenRoomChanges` on average; each typed line goes to the
    /// lobby or one of the typist's rooms, or, with probability
    /// `privateRate`, privately to another node whose key it has seen
    /// (down or not). Both 0: every line in the lobby, no announcement, the
    /// workload before rooms. The choices have a generator of their own, so
    /// the faults and the typing times of a seed are drawn as without them.
    public var rooms = 3
    public var privateRate = 0.2
    public var meanTimeBetweenRoomChanges: Duration = .seconds(4)
    /// Keep every event as text (for --trace and for violation reports).
    public var trace = false
    public var node = NodeConfig()

    public init() {
        node.checkpointEvery = .seconds(2)
    }
}
