import RingChatCore

/// A deterministic simulation of N nodes on one virtual clock: a seeded
/// network with loss, duplication, delay and reordering; partitions that
/// heal; crashes that restart a node from exactly what it had on disk; users
/// typing at random times. Every datagram goes through the real wire codec.
public final class Simulation {
    public let config: SimulationConfig
    var rng: SplitMix64
    var queue = EventQueue<Event>()
    var now: Instant = .zero
    var sims: [SimNode] = []
    var history = History()
    var hash = FNV1a()
    var traceLines: [String] = []
    /// Partition group of each node; equal groups hear each other.
    var group: [Int] = []
    var faultsOver = false
    var typedCount = 0
    var decodeErrors = 0
    var packetsSent = 0
    var backfills = 0
    /// Datagrams fed in one turn with others (`sameInstantPackets`).
    var burstPackets = 0
    var hostile: HostileNode?
    /// Implausible packets dropped by nodes that have since crashed.
    var implausibleDropsBeforeCrashes = 0
    var crashes = 0
    var ringsFormed = 0
    /// The rooms workload's own generator (`Simulation+Rooms`), and its counts.
    var workload: SplitMix64
    var roomLines = 0
    var privateLines = 0
    var privateToAway = 0
    var roomChanges = 0
    var keyChanges = 0

    enum Event {
        case packet(to: Int, Datagram)
        case tick(Int, generation: UInt64)
        case type(Int)
        case crash
        case restart(Int)
        case partition
        case heal
        case endFaults
        case check
        case hostile
        case pause
        case rooms(Int)
    }

    /// A multicast datagram, decoded once for all its receivers (every
    /// copy carries the same bytes); nil when the bytes do not decode.
    final class Datagram {
        let packet: Packet?
        init(_ bytes: [UInt8]) { packet = try? WireCodec.decode(bytes) }
    }

    final class SimNode {
        var node: Node?
        var durable: DurableState
        /// The replica lines, as the node reads them back.
        let store = SimStore([])
        /// Feeds the node one turn at a time, as the real shell does.
        let driver = TurnDriver()
        var generation: UInt64 = 0
        var scheduledTick: Instant?
        var typed = 0
        var delivered: Set<MessageID> = []
        var lastTokenActivity: Instant = .zero
        /// Until when it is busy with earlier input (`processingCost`).
        var busyUntil: Instant = .zero
        /// Until when it is paused (`SimulationConfig.pauses`), and how many
        /// datagrams wait for it meanwhile.
        var pausedUntil: Instant = .zero
        var backlog = 0
        /// Its last pass, until some node takes that hop.
        var untakenPass: (ring: RingID, hop: UInt64)?
        /// Its identity key, the keys of the nodes it has heard of, and its
        /// screen (`Simulation+Rooms`).
        let identity: SimIdentity
        var knownPeers = KnownPeers()
        var screen = SimScreen()
        var id: NodeID { durable.node }

        init(durable: DurableState, identity: SimIdentity) {
            self.durable = durable
            self.identity = identity
        }
    }

    public init(config: SimulationConfig) {
        self.config = config
        rng = SplitMix64(seed: config.seed)
        workload = SplitMix64(seed: SplitMix64.mix(config.seed ^ 0x726f_6f6d_7320_3230)) // "rooms 20"
    }

    public struct Result: Sendable {
        public var seed: UInt64
        public var traceHash: String
        public var violations: [Violation]
        /// Time from the end of the faults to convergence.
        public var convergence: Duration?
        public var messages: Int
        public var packets: Int
        /// Deliveries that had to be placed before lines already shown
        /// (after crashes and partitions; zero on a merely lossy network).
        public var backfills: Int
        /// Datagrams fed to a node in one turn with others that arrived at
        /// the same instant (`Node.handle(batch:)`, as the runtime does).
        public var burstPackets = 0
        /// The longest delivery gap that spans a crash, at any node alive
        /// across it (nil without crashes or deliveries on both sides).
        public var longestCrashStall: Duration?
        public var trace: [String]
        /// Packets the hostile node sent, and how many of their copies the
        /// honest nodes dropped as implausible.
        public var hostilePackets = 0
        public var implausibleDrops = 0
        /// Crashes, and new rings formed (regenerated tokens, the first
        /// ring included).
        public var crashes = 0
        public var ringsFormed = 0
        /// The rooms workload: lines typed into a room (not the lobby),
        /// private lines (and how many to a node that was down), joins and
        /// parts.
        public var roomLines = 0
        public var privateLines = 0
        public var privateToAway = 0
        /// Of those, how many their recipient shows at the end.
        public var privateToAwayRead = 0
        public var roomChanges = 0
        /// Identity keys seen to change (`KnownPeers`): none ever does.
        public var keyChanges = 0
    }

    public func run() -> Result {
        var ids = Set<UInt64>()
        while ids.count < config.nodes { ids.insert(rng.next() | 1) }
        for raw in ids.sorted(by: { SplitMix64.mix($0) < SplitMix64.mix($1) }) {
            sims.append(SimNode(durable: DurableState(node: NodeID(raw), incarnation: 0),
                                identity: SimIdentity(secret: workload.next())))
        }
        history.nodes = sims.map(\.id)
        history.recordsViews = true
        group = Array(repeating: 0, count: sims.count)
        if config.hostile {
            var raw: UInt64
            repeat { raw = rng.next() | 1 } while ids.contains(raw)
            hostile = HostileNode(id: NodeID(raw))
            queue.push(.hostile, at: now + config.hostileInterval)
        }
        for i in sims.indices { start(i) }
        for i in sims.indices { scheduleTyping(i) }
        for i in sims.indices { scheduleRoomChange(i) }
        if config.crashes { queue.push(.crash, at: now + exponential(config.meanTimeBetweenCrashes)) }
        if config.partitions { queue.push(.partition, at: now + exponential(config.meanTimeBetweenPartitions)) }
        if config.pauses { queue.push(.pause, at: now + exponential(config.meanTimeBetweenPauses)) }
        history.expectsNoLateDeliveries = config.checkLateDeliveries && !config.hostile
        queue.push(.endFaults, at: .zero + config.duration)

        let hardStop = Instant.zero + config.duration + config.settleLimit
        while let (t, e) = queue.pop() {
            if t > hardStop { break }
            now = t
            process(e)
            if history.convergedAt != nil { break }
        }
        if history.convergedAt == nil { history.notConverged = convergenceBlocker() }
        history.finals = sims.map { s in
            let log = s.node?.history(from: s.store) ?? []
            let canonical = Set(log.map(\.slot))
            let extra = (s.node?.log.occupiedSlots).map { $0.filter { !canonical.contains($0) } } ?? []
            return History.FinalState(alive: s.node != nil, log: log, delivered: s.delivered,
                                      outbox: s.node?.outbox.count ?? 0, ring: s.node?.ring, extraSlots: extra,
                                      views: s.screen.windows,
                                      stored: roomsOn ? s.durable.replica.map(\.text)
                                          + s.durable.checkpoints.flatMap { $0.outbox.map(\.text) + [$0.draft] } : [])
        }
        let violations = InvariantChecker.check(history)
        var result = Result(seed: config.seed, traceHash: hash.hex, violations: violations,
                            convergence: history.convergedAt.map { $0 - history.faultsEndedAt },
                            messages: typedCount, packets: packetsSent, backfills: backfills,
                            longestCrashStall: Simulation.longestCrashStall(history), trace: traceLines)
        result.hostilePackets = hostile?.sent ?? 0
        result.implausibleDrops = implausibleDropsBeforeCrashes
            + sims.reduce(0) { $0 + ($1.node?.stats.implausibleDrops ?? 0) }
        result.crashes = crashes
        result.ringsFormed = ringsFormed
        result.roomLines = roomLines
        result.privateLines = privateLines
        result.privateToAway = privateToAway
        result.privateToAwayRead = privateToAway > 0 ? readAfterAway() : 0
        result.roomChanges = roomChanges
        result.burstPackets = burstPackets
        result.keyChanges = keyChanges
        return result
    }

    // MARK: events

    func process(_ e: Event) {
        switch e {
        case .packet(let to, let datagram):
            guard sims[to].node != nil else { return }
            if paused(to, e) || busy(to, e) { return }
            guard let p = datagram.packet else { decodeErrors += 1; return }
            let more = sameInstantPackets(to: to)
            if more.isEmpty {
                feed(to, .packet(p))
            } else {
                burstPackets += 1 + more.count
                feed(to, batch: [.packet(p)] + more)
            }
        case .tick(let i, let gen):
            guard sims[i].node != nil, gen == sims[i].generation else { return }
            if paused(i, e) || busy(i, e) { return }
            sims[i].scheduledTick = nil
            feed(i, .tick)
        case .type(let i):
            guard !faultsOver else { return }
            scheduleTyping(i)
            guard let node = sims[i].node, sims[i].pausedUntil <= now else { return }
            sims[i].typed += 1
            let line = compose(i, node, plain: "m\(i)-\(sims[i].typed)")
            let before = node.outbox.last?.id
            feed(i, .type(line.text, kind: line.kind, room: line.room)) { effects in
                if let id = node.outbox.last?.id, id != before {
                    self.typedCount += 1
                    self.record(.typed(node: i, id: id, at: self.now), Self.describe(id, line))
                    self.noteSaid(i, id, line)
                } else if let sent = self.typedIDFromEffects(effects) {
                    self.typedCount += 1
                    self.record(.typed(node: i, id: sent, at: self.now), Self.describe(sent, line))
                    self.noteSaid(i, sent, line)
                }
            }
        case .crash:
            guard !faultsOver else { return }
            let alive = sims.indices.filter { sims[$0].node != nil }
            if config.crashTarget == .passer || config.crashTarget == .passee, !alive.contains(where: { sims[$0].untakenPass != nil }) {
                queue.push(.crash, at: now + .milliseconds(10))
                return
            }
            queue.push(.crash, at: now + exponential(config.meanTimeBetweenCrashes))
            guard !alive.isEmpty else { return }
            let i = crashVictim(among: alive)
            crash(i)
            let down = Int64(config.downtime.lowerBound) + Int64(rng.next() % UInt64(config.downtime.count))
            queue.push(.restart(i), at: now + .milliseconds(down))
        case .restart(let i):
            if sims[i].node == nil { start(i) }
        case .rooms(let i):
            changeRooms(i)
        case .partition:
            guard !faultsOver, sims.count > 1 else { return }
            queue.push(.partition, at: now + exponential(config.meanTimeBetweenPartitions))
            if group.contains(where: { $0 != 0 }) { return }
            repeat {
                for i in group.indices { group[i] = Int(rng.next() % 2) }
            } while Set(group).count < 2
            let len = config.partitionLength.lowerBound + Int64(rng.next() % UInt64(config.partitionLength.count))
            queue.push(.heal, at: now + .milliseconds(len))
            // Two sides' histories merge: their lines may be shown late.
            history.expectsNoLateDeliveries = false
            note("partition \(group)")
        case .pause:
            guard !faultsOver else { return }
            queue.push(.pause, at: now + exponential(config.meanTimeBetweenPauses))
            guard !sims.contains(where: { $0.pausedUntil > now }) else { return }
            let awake = sims.indices.filter { sims[$0].node != nil }
            guard !awake.isEmpty else { return }
            let i = awake[Int(rng.next() % UInt64(awake.count))]
            let len = config.pauseLength.lowerBound + Int64(rng.next() % UInt64(config.pauseLength.count))
            sims[i].pausedUntil = now + .milliseconds(len)
            sims[i].backlog = 0
            note("pause n\(i) for \(len) ms")
        case .heal:
            group = Array(repeating: 0, count: sims.count)
            note("heal")
        case .endFaults:
            faultsOver = true
            group = Array(repeating: 0, count: sims.count)
            for i in sims.indices where sims[i].node == nil { start(i) }
            history.faultsEndedAt = now
            note("faults end")
            queue.push(.check, at: now + .milliseconds(100))
        case .hostile:
            guard !faultsOver, let h = hostile else { return }
            queue.push(.hostile, at: now + config.hostileInterval)
            let bytes = WireCodec.encode(h.craft(&rng))
            hash.add(bytes)
            deliver(bytes, to: Array(sims.indices))
        case .check:
            if convergenceBlocker() == nil {
                history.convergedAt = now
                note("converged")
            } else {
                queue.push(.check, at: now + .milliseconds(100))
            }
        }
    }

    /// Under `processingCost`, input that finds its node busy waits (in
    /// order) until the node is free; returns true when `e` was deferred.
    func busy(_ i: Int, _ e: Event) -> Bool {
        guard config.processingCost > .zero else { return false }
        if sims[i].busyUntil > now {
            queue.push(e, at: sims[i].busyUntil)
            return true
        }
        sims[i].busyUntil = now + config.processingCost
        return false
    }

    /// Input that reaches a paused node waits until it wakes: datagrams
    /// first (up to `pauseBacklog`, the rest lost), then timers. Returns
    /// true when `e` was deferred or lost.
    func paused(_ i: Int, _ e: Event) -> Bool {
        let s = sims[i]
        guard s.pausedUntil > now else { return false }
        if case .packet = e {
            guard s.backlog < config.pauseBacklog else { return true }
            s.backlog += 1
            queue.push(e, at: s.pausedUntil)
        } else {
            queue.push(e, at: s.pausedUntil + .microseconds(1))
        }
        return true
    }

    func crashVictim(among alive: [Int]) -> Int {
        let random = alive[Int(rng.next() % UInt64(alive.count))]
        switch config.crashTarget {
        case .random:
            return random
        case .holder:
            if let h = alive.first(where: { i in sims[i].node.map { $0.status.holder == $0.id } ?? false }) { return h }
            // Between holders: the node the token was last passed to.
            let guesses = alive.compactMap { sims[$0].node?.status.holder }
            if let g = guesses.first, let i = alive.first(where: { sims[$0].node?.id == g }) { return i }
            return random
        case .sender:
            return alive.first { (sims[$0].node?.outbox.count ?? 0) > 0 } ?? random
        case .passer:
            return alive.first { sims[$0].untakenPass != nil } ?? random
        case .passee:
            guard let p = alive.first(where: { sims[$0].untakenPass != nil }), let to = sims[p].node?.status.holder,
                  let i = alive.first(where: { sims[$0].node?.id == to }) else { return random }
            return i
        }
    }

    /// For each crash, each node alive across it: the gap from its last
    /// delivery before the crash to its first after.
    static func longestCrashStall(_ h: History) -> Duration? {
        var lastDelivery: [Int: Instant] = [:]
        var open: [(crash: Instant, node: Int, since: Instant)] = []
        var worst: Duration?
        var down: Set<Int> = []
        for r in h.records {
            switch r {
            case .delivered(let n, _, _, _, let at):
                if let k = open.firstIndex(where: { $0.node == n }) {
                    let gap = at - open[k].since
                    if worst.map({ gap > $0 }) ?? true { worst = gap }
                    open.removeAll { $0.node == n }
                }
                lastDelivery[n] = at
            case .crashed(let n, let at):
                down.insert(n)
                open.removeAll { $0.node == n }
                for (m, t) in lastDelivery where m != n && !down.contains(m) && !open.contains(where: { $0.node == m }) {
                    open.append((at, m, t))
                }
            case .restarted(let n, _, _, _, _):
                down.remove(n)
                lastDelivery[n] = nil
                open.removeAll { $0.node == n }
            default: break
            }
        }
        return worst
    }

    /// A line sent at once by a lone holder leaves the outbox in the same
    /// call; its id is in the fresh data it sent.
    func typedIDFromEffects(_ effects: [Effect]) -> MessageID? {
        for e in effects {
            if case .send(let p) = e, case .data(let d) = p.body, !d.retransmission { return d.messages.last?.id }
        }
        return nil
    }

    func start(_ i: Int) {
        let s = sims[i]
        s.durable.incarnation += 1
        s.generation += 1
        s.scheduledTick = nil
        s.pausedUntil = .zero
        s.delivered = []
        let (node, effects) = Node.restore(from: s.durable, nick: "n\(i)", config: config.node,
                                           seed: rng.next(), now: now, wallOffset: 1_700_000_000_000)
        s.node = node
        let durableIDs = Set(s.durable.replica.map(\.id))
        // Every replica line is held again (the snapshot stands for those
        // the checkpoint covers) and counts as shown.
        let restored = Set(durableIDs.filter { node.log.contains($0) })
        s.delivered = restored
        record(.restarted(node: i, incarnation: s.durable.incarnation, durable: durableIDs,
                          restored: restored, at: now),
               "start n\(i) incarnation \(s.durable.incarnation) with \(durableIDs.count) replica messages")
        restoreScreen(i, restored: restored)
        s.driver.run(after: effects, node: { s.node }, now: { now }, perform: { apply(i, $0) })
        announceAtStart(i)
        schedule(i)
    }

    func crash(_ i: Int) {
        implausibleDropsBeforeCrashes += sims[i].node?.stats.implausibleDrops ?? 0
        sims[i].node = nil
        sims[i].generation += 1
        sims[i].scheduledTick = nil
        sims[i].untakenPass = nil
        crashes += 1
        record(.crashed(node: i, at: now), "crash n\(i)")
    }

    // MARK: effects

    /// Feeds node i one input and finishes its turn (`TurnDriver`), then
    /// re-arms its tick; fed during its turn, the input is queued in it.
    /// `first` sees the input's own effects before they are applied.
    func feed(_ i: Int, _ input: Node.Input, first: (([Effect]) -> Void)? = nil) {
        let s = sims[i]
        let inTurn = s.driver.isRunning
        var first = first
        s.driver.run(input, node: { s.node }, now: { now }, perform: { effects in
            if let f = first { first = nil; f(effects) }
            apply(i, effects)
        })
        if !inTurn { schedule(i) }
    }

    /// The datagrams for node `to` queued next at this same instant (a
    /// paused node's backlog, copies that arrive together): taken off the
    /// queue to be fed with the one being processed in one turn, as the
    /// runtime hands over the datagrams of one wake-up (`ReceivePath`).
    /// Not under `processingCost`, which times each datagram on its own.
    func sameInstantPackets(to: Int) -> [Node.Input] {
        guard config.processingCost == .zero else { return [] }
        var more: [Node.Input] = []
        while more.count < Self.maxBurst - 1, let (t, e) = queue.next, t == now, case .packet(let j, let datagram) = e, j == to {
            _ = queue.pop()
            if let p = datagram.packet { more.append(.packet(p)) } else { decodeErrors += 1 }
        }
        return more
    }

    /// Datagrams fed in one turn at most: the runtime's groups
    /// (`ReceivePath.maxPerGroup`).
    static let maxBurst = 32

    /// Feeds node i inputs that arrived together, in one turn
    /// (`TurnDriver.run(batch:)`), then re-arms its tick.
    func feed(_ i: Int, batch inputs: [Node.Input]) {
        let s = sims[i]
        let inTurn = s.driver.isRunning
        s.driver.run(batch: inputs, node: { s.node }, now: { now }, perform: { apply(i, $0) })
        if !inTurn { schedule(i) }
    }

    /// Carries out one input's effects.
    func apply(_ i: Int, _ effects: [Effect]) {
        let s = sims[i]
        for e in effects {
            switch e {
            case .send(let p):
                if case .data(let d) = p.body, !d.retransmission, let r = d.messages.first?.slot.ring {
                    record(.sentFresh(node: i, ring: r, at: now), nil)
                }
                broadcast(from: i, WireCodec.encode(p))
            case .deliver(let m, let backfill):
                s.delivered.insert(m.id)
                if backfill { backfills += 1 }
                record(.delivered(node: i, incarnation: s.durable.incarnation, message: m, backfill: backfill, at: now),
                       "n\(i) deliver \(m.slot) \(m.id) \"\(m.text)\"\(backfill ? " (late)" : "")")
                show(i, m, backfill: backfill)
            case .persist(let ms):
                s.durable.replica += ms
                for m in ms { s.store.append(m) }
                for m in ms { record(.persisted(node: i, message: m, at: now), nil) }
            case .writeCheckpoint(let cp):
                s.durable.checkpoints.insert(cp, at: 0)
                if s.durable.checkpoints.count > 2 { s.durable.checkpoints.removeLast() }
                record(.checkpointed(node: i, outbox: cp.outbox.map(\.id), at: now), "n\(i) checkpoint #\(cp.number)")
            case .token(let t):
                tokenEvent(i, t)
            case .readHistory(let r):
                // Answered at once, in the same turn.
                feed(i, .historyRead(r.id, s.store.answer(r)))
            case .status(let st):
                if roomsOn { learnKeys(i, st) }
            case .notice, .restored:
                break
            }
        }
    }

    func tokenEvent(_ i: Int, _ t: TokenEvent) {
        switch t {
        case .granted(let ring, let hop, _):
            for s in sims where s.untakenPass.map({ $0.ring == ring && $0.hop == hop }) ?? false { s.untakenPass = nil }
            sims[i].lastTokenActivity = now
            record(.tokenHeld(node: i, ring: ring, at: now), "n\(i) holds \(ring) hop \(hop)")
        case .passed(let ring, let hop, let to):
            sims[i].untakenPass = (ring, hop)
            sims[i].lastTokenActivity = now
            record(.tokenReleased(node: i, ring: ring, at: now), "n\(i) passes \(ring) hop \(hop) to \(to)")
        case .ringChanged(let old, let new):
            sims[i].untakenPass = nil
            if let old { record(.tokenReleased(node: i, ring: old, at: now), "n\(i) leaves \(old) for \(new)") }
        case .successorSilent(let s):
            note("n\(i): successor \(s) silent")
        case .lost(let r):
            note("n\(i): token of \(r.map(\.description) ?? "no ring") lost")
        case .regenerated(let r):
            ringsFormed += 1
            note("n\(i) regenerates \(r)")
        case .requested, .sent, .holderChanged:
            break
        }
    }

    func broadcast(from i: Int, _ bytes: [UInt8]) {
        packetsSent += 1
        hash.add(UInt64(i))
        hash.add(bytes)
        hostile?.overhear(bytes)
        let group = self.group, mine = group[i]
        deliver(bytes, to: group.indices.filter { $0 != i && group[$0] == mine })
    }

    /// The faulty network: each receiver loses, duplicates and delays its
    /// copies independently.
    func deliver(_ bytes: [UInt8], to receivers: [Int]) {
        let datagram = Datagram(bytes)
        for j in receivers {
            if chance(config.loss) { continue }
            let copies = chance(config.duplication) ? 2 : 1
            for _ in 0..<copies {
                queue.push(.packet(to: j, datagram), at: now + delay())
            }
        }
    }

    func schedule(_ i: Int) {
        guard let node = sims[i].node else { return }
        let d = node.nextDeadline(now: now)
        if let t = sims[i].scheduledTick, t <= d { return }
        sims[i].generation += 1
        sims[i].scheduledTick = d
        queue.push(.tick(i, generation: sims[i].generation), at: d)
    }

    func scheduleTyping(_ i: Int) {
        guard config.typingRate > 0 else { return }
        queue.push(.type(i), at: now + exponential(.nanoseconds(Int64(1e9 / config.typingRate))))
    }

    // MARK: convergence

    /// Nil when converged: every node alive, identical replicas, empty
    /// outboxes, one ring, everything shown, and the token moving.
    func convergenceBlocker() -> String? {
        guard let first = sims.first?.node else { return "node 0 is down" }
        let summary = first.log.summary
        for (i, s) in sims.enumerated() {
            guard let n = s.node else { return "node \(i) is down" }
            if n.log.summary != summary { return "replicas differ (n0 holds \(first.log.count), n\(i) holds \(n.log.count))" }
            if !n.outbox.isEmpty { return "n\(i) still has \(n.outbox.count) lines queued" }
            if n.ring != first.ring { return "n\(i) is in ring \(n.ring.map(\.description) ?? "none"), n0 in \(first.ring.map(\.description) ?? "none")" }
            if s.delivered.count != n.log.count { return "n\(i) has shown \(s.delivered.count) of \(n.log.count) messages" }
        }
        if sims.count > 1 {
            let recent = sims.filter { now - $0.lastTokenActivity < .seconds(2) }.count
            if recent < 2 { return "the token is not circulating" }
        } else if first.status.holder != first.id {
            return "the lone node does not hold the token"
        }
        return nil
    }

    // MARK: randomness and recording

    func chance(_ p: Double) -> Bool {
        p > 0 && Double(rng.next() >> 11) / Double(1 << 53) < p
    }

    func delay() -> Duration {
        let lo = config.minDelay.nanoseconds, hi = max(config.maxDelay.nanoseconds, lo)
        return .nanoseconds(lo + Int64(rng.next() % UInt64(hi - lo + 1)))
    }

    func exponential(_ mean: Duration) -> Duration {
        let u = max(Double(rng.next() >> 11) / Double(1 << 53), 1e-12)
        return .nanoseconds(Int64(-Double(mean.nanoseconds) * _log(u)))
    }

    func record(_ r: History.Record, _ text: String?) {
        history.records.append(r)
        if let text {
            hash.add(text)
            if config.trace { traceLines.append("\(now.milliseconds) ms  \(text)") }
        }
    }

    func note(_ text: String) {
        hash.add(text)
        if config.trace { traceLines.append("\(now.milliseconds) ms  \(text)") }
    }
}

/// Natural log without Foundation: the simulator only needs it for
/// exponential inter-arrival times.
func _log(_ x: Double) -> Double {
    // log(x) = 2 * atanh((x-1)/(x+1)), after scaling x into [0.5, 1).
    var m = x, e = 0.0
    while m < 0.5 { m *= 2; e -= 1 }
    while m >= 1 { m /= 2; e += 1 }
    let t = (m - 1) / (m + 1), t2 = t * t
    var term = t, sum = 0.0, k = 1.0
    for _ in 0..<30 { sum += term / k; term *= t2; k += 2 }
    return 2 * sum + e * 0.693_147_180_559_945_3
}
