/// One RingChat participant as a pure state machine, in the style of
/// `SWIM.Instance` from apple/swift-cluster-membership: inputs are method
/// calls carrying the time, outputs are returned `Effect`s. It owns no
/// socket, no file, no clock and no entropy (a seed is given), so the same
/// code runs under the deterministic simulator and the real event loop.
public final class Node {
    public enum Input: Sendable {
        /// A decoded datagram from the group.
        case packet(Packet)
        /// Time passed; call at `nextDeadline` (earlier is harmless).
        case tick
        /// The user typed a line, for a room (`RoomName`: "" is the lobby,
        /// `@id` a private conversation, whose text the shell has sealed).
        case type(String, kind: MessageKind, room: String = RoomName.lobby)
        /// What this node's heartbeats announce besides its nick: the rooms
        /// it is in and its identity key (`Heartbeat`).
        case announce(rooms: [String], identity: [UInt8])
        /// Take a checkpoint now.
        case checkpoint
        case setNick(String)
        /// The node is about to stop cleanly: a held token is passed on at
        /// once, and a `leave` is multicast so that the others drop this
        /// node from the ring at once (Node+Leave). The shell keeps feeding
        /// packets and ticks until `leaveSettled` (or `leaveLinger`).
        case leave
        /// The shell has fed everything this turn produced (lines typed in
        /// answer to this turn's deliveries included): a holder that kept
        /// the token for them passes it now. Call when `wantsTurnEnd`
        /// (`TurnDriver` does).
        case turnEnd
        /// The unsent draft of the input line changed (carried into
        /// checkpoints).
        case setDraft(String)
        /// The shell's disk is behind (true) or caught up again (false):
        /// see `catchUpPaused`.
        case catchUpPaused(Bool)
        /// The shell's answer to `Effect.readHistory`: one list per read of
        /// the request, in its order (`HistoryStore.answer`).
        case historyRead(HistoryRequest.ID, [[ChatMessage]])
        /// The shell's replica lacks these messages (lines dropped while
        /// its disk was full, beyond what it could keep in memory): the
        /// node writes them again, from its cache or fetched from peers
        /// (Node+Refill).
        case replicaMissing([StreamRange])
    }

    public let id: NodeID
    public let incarnation: UInt32
    public let config: NodeConfig
    public internal(set) var nick: String
    /// The unsent draft of the input line: carried into checkpoints.
    public private(set) var draft: String = ""
    /// What heartbeats announce (`Input.announce`).
    public internal(set) var announcedRooms: [String] = []
    public private(set) var identityKey: [UInt8] = []

    public internal(set) var log: MessageLog
    /// Reads of the shell's history store (messages evicted from `log`'s
    /// cache) awaiting its answer, by request id (Node+History).
    var pendingReads: [HistoryRequest.ID: PendingRead] = [:]
    var lastReadID: HistoryRequest.ID = 0
    public internal(set) var outbox: [OutboxEntry] = []
    public internal(set) var membership: Membership

    var rng: SplitMix64
    /// Wall clock = monotonic + this, in ms: only for timestamps on screen.
    let wallOffset: Int64
    var packetCounter: UInt64 = 0
    var messageCounter: UInt32 = 0

    // Token ring
    /// The ring this node is in.
    public var ring: RingID? { sequencer.ring }
    var holding: HeldToken?
    var passing: PendingPass?
    /// The latest pass, kept after it is answered or given up on, to time
    /// its ack.
    var lastPass: PendingPass?
    var lastHopSeen: UInt64 = 0
    /// The next seq of the latest pass seen in the current ring: data below
    /// it was sent before that pass, and says nothing of who holds the
    /// token now (a sender's data can reach us after its pass).
    var lastPassNextSeq: UInt64 = 0
    /// The last hop this node took (to re-ack a predecessor's re-send).
    var acceptedHop: (ring: RingID, hop: UInt64)?
    /// The ring's next seq when this node last passed its token (when it
    /// entered the ring, until it first passes).
    var lastPassedSeq: (ring: RingID, seq: UInt64)?
    var lastActivity: Instant
    var holderGuess: NodeID?
    var highestEpoch: UInt64 = 0
    var requesters: [NodeID: Instant] = [:]
    /// Where the current ring came from, as far as this node knows: sent
    /// along with everything that announces the ring.
    var lineage: RingLineage?
    var lastRequestSent: Instant?
    /// Set once the node leaves (Node+Leave): it takes no token any more.
    var leaving: LeaveState?
    var localHealth = LocalHealth()
    /// Installing a new ring before anyone sends in it (Node+Install): the
    /// ring whose token this node has taken once (its first rotation), and
    /// the ring it has seen complete that rotation (it may send in it).
    var firstTake: RingID?
    var installed: RingID?
    /// This node was found not running and has not seen a ring's token go
    /// around since: what waited in its socket (a token, a ring's data) is
    /// no proof that anyone is still in that ring (Node+Install, rule 4).
    var wokeUnverified = false
    /// When this node last handled an input: a longer gap means it was not
    /// running (SIGSTOP, a descheduled process), `Node+Install.noteWake`.
    var lastHandled: Instant?

    // Delivery and repair
    var sequencer = Sequencer()
    /// One open reconcile request per stream: what was asked of whom, and
    /// until when it is awaited before being asked again.
    var reconcileOutstanding: [StreamID: ReconcileAsk] = [:]
    /// Set by the shell (`.catchUpPaused`) while its disk is behind: no new
    /// catch-up batch is asked for (live traffic is unaffected), so memory
    /// holds at most the shell's backlog, not the whole catch-up. Completed
    /// asks are followed up on the first tick after it clears.
    public private(set) var catchUpPaused = false
    /// Token bucket of reconcile answers (separate from NACK re-sends: a
    /// catching-up peer paces itself by asking for one batch at a time).
    var answerBudget: Double
    var answerBudgetAt: Instant
    var resendBudget: Double
    var resendBudgetAt: Instant
    var recentResends: [Slot: Instant] = [:]
    /// Peers' reports on the ring being finished (Node+Settle).
    var settleReports: [NodeID: Settle] = [:]
    /// When we last answered a report on a ring we are not finishing.
    var settleReplies: [RingID: Instant] = [:]
    /// Lines the replica lacks, being fetched again (Node+Refill).
    var refill = ReplicaRefill()

    // Timers and bookkeeping
    /// The deadlines the node arms itself (the derived ones: `timers(now:)`).
    var armed: Timers
    var digestCursor = 0
    var checkpointNumber: UInt64 = 0
    var lastCheckpoint: NodeStatus.CheckpointInfo?
    var lastCheckpointFingerprint: CheckpointFingerprint?

    struct CheckpointFingerprint: Equatable {
        var replicaLines: Int
        var outbox: [MessageID]
        var nick: String
        var draft: String
        var ring: RingID?
        var highestEpoch: UInt64
        var rooms: [String]
    }
    var replicaLines = 0
    var cachedLag = 0
    var cachedPeerLags: [NodeID: Int] = [:]
    /// `ringOrder(now:)`'s cache: the order, when it was computed, and at
    /// which membership version (nil: nothing cached). Three fields rather
    /// than an optional tuple, which was copied out on every read.
    var orderCacheOrder: [NodeID] = []
    var orderCacheAt: Instant = .zero
    var orderCacheVersion: UInt64?
    var lastStatus: NodeStatus?
    /// What the status is built from, cheaply compared: the status is
    /// rebuilt only when this changes (it was a fifth of the simulator's
    /// time and 2% of a busy node's, rebuilt after every packet).
    var lastStatusKey: StatusKey?
    /// Bumped whenever `cachedLag` and `cachedPeerLags` are recomputed.
    var lagVersion: UInt64 = 0
    var effects: [Effect] = []
    /// New messages for the replica, not yet handed over as an effect.
    var toPersist: [ChatMessage] = []

    /// Counters for the shell's diagnostics.
    public internal(set) var stats = Stats()
    public struct Stats: Sendable, Hashable {
        public var staleTokens = 0
        public var duplicates = 0
        public var conflicts = 0
        public var nacksSent = 0
        public var resent = 0
        public var reconcileRequests = 0
        public var holesSkipped = 0
        /// Holes of a replaced ring skipped because no live member held them.
        public var settledMissing = 0
        public var backfills = 0
        public var ringsFormed = 0
        /// Packets that decoded but claimed numbers no honest node could
        /// send (`PacketValidator`): dropped before the state machine.
        public var implausibleDrops = 0
        /// The latest of them: kind, sender, and the number that failed.
        public var lastImplausible: String?
    }
    var implausibleNoticeAt: Instant?
    var implausibleUnreported = 0

    struct HeldToken {
        var ring: RingID
        var hop: UInt64
        var nextSeq: UInt64
        var since: Instant
        /// Messages sent in this visit (at most `maxBatch`).
        var sent = 0
        /// Sent, nothing left, nobody waiting: passes at the end of the
        /// shell's turn rather than at once (Node+Token `actAsHolder`).
        var passAtTurnEnd = false
    }

    struct PendingPass {
        var token: Token
        var sentAt: Instant
        var resendAt: Instant
        var retries: Int
    }

    /// Round trips of token passes: the token timers follow the network.
    public internal(set) var passRTT = RTTEstimator()
    /// Each member's delay in acting on a pass to it (MemberDelays).
    var delays = MemberDelays()

    /// Interval between re-sends of an unanswered pass.
    var resendInterval: Duration {
        max(config.tokenRetransmit, passRTT.smoothed == nil ? RTTEstimator.initialResend : passRTT.timeout)
    }

    /// Silence after which a peer is dead: the configured value, stretched
    /// by the measured round trip, times this node's local health
    /// multiplier (`LocalHealth`: 1 unless its own loop runs late).
    var memberTimeout: Duration {
        max(config.memberTimeout, config.heartbeatInterval * 2 + passRTT.timeout) * health.multiplier
    }

    /// This node's own health (Lifeguard): its failure timeouts stretch
    /// while its ticks arrive late.
    public internal(set) var health: LocalHealth {
        get { localHealth }
        set { localHealth = newValue }
    }

    /// A brand-new node (no state on disk).
    public init(id: NodeID, incarnation: UInt32, nick: String, config: NodeConfig = NodeConfig(),
                seed: UInt64, now: Instant, wallOffset: Int64 = 0) {
        self.id = id
        self.incarnation = incarnation
        self.nick = Node.validNick(nick) ?? "node-\(id.short)"
        self.config = config
        self.log = MessageLog(capacity: config.recentMessages)
        self.membership = Membership(me: id)
        self.rng = SplitMix64(seed: seed ^ id.raw ^ UInt64(incarnation))
        self.wallOffset = wallOffset
        self.lastActivity = now
        self.armed = Timers(heartbeat: now, checkpoint: config.checkpointEvery.map { now + $0 })
        self.resendBudget = Double(config.resendBudgetPerSecond) / 10
        self.resendBudgetAt = now
        self.answerBudget = Double(config.reconcileBatch)
        self.answerBudgetAt = now
        if let refusal = NickRule.refusal(nick) { emit(.notice("\(refusal); using \(self.nick)")) }
    }

    /// Rebuilds a node after a crash or restart from what survived on disk,
    /// all in memory (the simulator and tests): see `restore(node:...)`.
    public static func restore(from durable: DurableState, nick: String? = nil, config: NodeConfig = NodeConfig(),
                               seed: UInt64, now: Instant, wallOffset: Int64 = 0) -> (Node, [Effect]) {
        // What no honest node could have written is skipped, so that one
        // poisoned line cannot crash this start and every later one (the
        // runtime also moves such lines aside; see StoredStateValidator).
        var warnings: [String] = []
        var durable = durable
        var plausible: [Checkpoint] = []
        for c in durable.checkpoints {
            if let why = StoredStateValidator.check(c) {
                warnings.append("checkpoint #\(c.number) skipped: \(why)")
            } else {
                plausible.append(c)
            }
        }
        durable.checkpoints = plausible
        if durable.replica.contains(where: { StoredStateValidator.check($0) != nil }) {
            durable.replica = durable.replica.filter { m in
                guard let why = StoredStateValidator.check(m) else { return true }
                warnings.append("replica message \(m.id.text) skipped: \(why)")
                return false
            }
        }
        let cp = durable.checkpoints.first
        var replay = ReplicaReplay(checkpoint: cp, snapshotUsable: cp.map { $0.replicaCount <= durable.replica.count } ?? false,
                                   capacity: config.recentMessages)
        for m in durable.replica.dropFirst(replay.skip) { replay.add(m) }
        return restore(node: durable.node, incarnation: durable.incarnation, replay: replay, nick: nick, config: config,
                       seed: seed, now: now, wallOffset: wallOffset, warnings: warnings)
    }

    /// Rebuilds a node after a crash or restart: the newest checkpoint (its
    /// log snapshot, outbox, draft), then the replica lines after it, as
    /// `replay` gathered them; the reconciler fetches the rest from peers.
    /// `incarnation` must already be the new, bumped incarnation;
    /// `warnings` (what loading skipped) go into the `.restored` report.
    public static func restore(node id: NodeID, incarnation: UInt32, replay: ReplicaReplay, nick: String? = nil,
                               config: NodeConfig = NodeConfig(), seed: UInt64, now: Instant,
                               wallOffset: Int64 = 0, warnings: [String] = []) -> (Node, [Effect]) {
        let cp = replay.checkpoint
        let node = Node(id: id, incarnation: incarnation,
                        nick: nick ?? cp?.nick ?? "node-\(id.short)",
                        config: config, seed: seed, now: now, wallOffset: wallOffset)
        var warnings = warnings
        let lines = replay.lines
        let covered = cp.map { min($0.replicaCount, lines) } ?? 0
        if let cp, cp.replicaCount > lines {
            warnings.append("checkpoint #\(cp.number) covers \(cp.replicaCount) replica lines but only \(lines) survive; the rest comes from peers")
        } else if let cp, cp.log != nil, !replay.fromSnapshot {
            warnings.append("checkpoint #\(cp.number) does not match the replica (cut or rewritten since): read the whole replica")
        }
        node.log = replay.log
        node.replicaLines = lines
        if let top = node.log.maxSlot {
            node.highestEpoch = top.ring.epoch
            node.sequencer.lastDelivered = top
        }
        if let cp {
            node.checkpointNumber = cp.number
            node.lastCheckpoint = .init(number: cp.number, takenAt: cp.takenAt, replicaCount: cp.replicaCount)
            node.highestEpoch = max(node.highestEpoch, cp.highestEpoch)
            node.outbox = cp.outbox.filter { !node.log.contains($0.id) }
            node.draft = cp.draft
            node.announcedRooms = cp.rooms ?? []
        }
        // A restart that had to read the whole replica writes a checkpoint
        // soon, so that the next one need not.
        if !replay.fromSnapshot, lines > 0, let every = config.checkpointEvery {
            node.armed.checkpoint = now + min(every, .seconds(1))
        }
        let report = RestoreReport(checkpoint: cp?.number, checkpointMessages: covered,
                                   replayed: lines - covered, outbox: node.outbox.count,
                                   incarnation: incarnation, draft: node.draft, warnings: warnings)
        node.emit(.restored(report))
        node.emitStatusIfChanged(now: now)
        return (node, node.drainEffects())
    }

    /// `n` if `NickRule` allows it, else nil: the node takes the shell's
    /// nick as it is or not at all (never a cut or cleaned copy). A peer's
    /// nick on the wire is another matter: the decoder bounds it
    /// (`WireLimits.maxNickBytes`) and the screen neutralises it.
    public static func validNick(_ n: String) -> String? {
        NickRule.problem(n) == nil ? n : nil
    }

    // MARK: input

    public func handle(_ input: Input, now: Instant) -> [Effect] {
        take(input, now: now)
        emitStatusIfChanged(now: now)
        return drainEffects()
    }

    /// Inputs that arrived together (datagrams read in one wake-up, lines a
    /// program wrote in one read), handled back to back at `now` as `handle`
    /// would, with one status for the lot: under load a status per datagram
    /// was a tenth of a node's CPU (building it, and every front end's
    /// work on it), and the screen shows one per turn anyway.
    public func handle(batch inputs: [Input], now: Instant) -> [Effect] {
        for input in inputs { take(input, now: now) }
        emitStatusIfChanged(now: now)
        return drainEffects()
    }

    private func take(_ input: Input, now: Instant) {
        noteWake(now: now)
        switch input {
        case .packet(let p): receive(p, now: now)
        case .tick: tick(now: now)
        case .type(let text, let kind, let room): type(text, kind: kind, room: room, now: now)
        case .announce(let rooms, let identity):
            announcedRooms = Array(rooms.filter(RoomName.isRoom).prefix(RoomName.maxAnnounced))
            identityKey = identity.count == WireLimits.identityKeyBytes ? identity : []
        case .checkpoint: takeCheckpoint(now: now)
        case .setNick(let n):
            if let v = Node.validNick(n) { nick = v } else { emit(.notice(NickRule.refusal(n)!)) }
        case .leave: leave(now: now)
        case .turnEnd: if holding?.passAtTurnEnd == true { pass(now: now) }
        case .setDraft(let d): draft = d
        case .catchUpPaused(let p): catchUpPaused = p
        case .historyRead(let id, let results): historyRead(id, results, now: now)
        case .replicaMissing(let ranges): replicaMissing(ranges, now: now)
        }
    }

    /// Whether the shell should send `.turnEnd` once this turn's inputs are
    /// fed (a tick passes the token too, in case it does not).
    public var wantsTurnEnd: Bool { holding?.passAtTurnEnd == true }

    /// The latest time at which `tick` must be called: the earliest of
    /// `timers(now:)`.
    public func nextDeadline(now: Instant) -> Instant {
        // Whatever was due has just been handled; a deadline in the past
        // would only spin the caller.
        let at = max(timers(now: now).next, now + .milliseconds(1))
        localHealth.expect(at)
        return at
    }

    // MARK: the screen's view

    public var status: NodeStatus { makeStatus(now: lastTick) }
    var lastTick: Instant = .zero

    /// Wall-clock milliseconds at `now`, for timestamps on screen only.
    public func wallClock(_ now: Instant) -> Int64 { now.milliseconds + wallOffset }

    // MARK: plumbing

    func emit(_ e: consuming Effect) {
        if effects.capacity == 0 { effects.reserveCapacity(4) } // not 1, 2, 4 as it grows
        effects.append(e)
    }

    func drainEffects() -> [Effect] {
        flushPersisted()
        // Handing the buffer over (rather than returning a copy and
        // clearing it in place) spares an allocation per input.
        let out = effects
        effects = []
        return out
    }

    func send(_ body: Packet.Body) {
        packetCounter += 1
        emit(.send(Packet(sender: id, incarnation: incarnation, counter: packetCounter, body: body)))
    }

    func persist(_ m: ChatMessage) {
        replicaLines += 1
        toPersist.append(m)
    }

    /// One `.persist` effect per input, not one per message (a visit of 64
    /// lines was 64 one-element arrays), emitted at the end of the input or
    /// before a checkpoint, which must follow every line it covers.
    func flushPersisted() {
        guard !toPersist.isEmpty else { return }
        emit(.persist(toPersist))
        toPersist = []
    }

    /// The ring order, recomputed when membership changed or 10 ms passed
    /// (liveness only changes on a timescale of heartbeats); it is consulted
    /// on every packet, so sorting it each time would dominate.
    func ringOrder(now: Instant) -> [NodeID] {
        if orderCacheVersion == membership.version, now >= orderCacheAt,
           now.nanoseconds - orderCacheAt.nanoseconds < 10_000_000 {
            return orderCacheOrder
        }
        let order = membership.ringOrder(now: now, timeout: memberTimeout)
        orderCacheOrder = order
        orderCacheAt = now
        orderCacheVersion = membership.version
        return order
    }

    /// The next id after me in ring order (me when alone).
    func successor(now: Instant) -> NodeID {
        Membership.successor(of: id, in: ringOrder(now: now))
    }
}
