#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import Synchronization
import RingChatIO
import RingChatStorage

/// One real RingChat node: the core's `Node` plus the I/O it asks for, on a
/// given `EventLoop`. It owns the multicast socket and its receive path
/// (with the fault injector), the disk thread (replica appends, checkpoint
/// writes) and the state directory.
///
/// Single-threaded: create it, call every method and read every property on
/// the loop's thread (or before the loop runs). `onEvent` is called on that
/// thread. Nothing here waits for a disk except `simulateCrash()` and
/// `shutdown()`, which flush the disk thread on purpose.
///
/// How effects are carried out:
/// - `.send(p)`: `WireCodec.encode`, then one datagram to the group;
/// - `.persist(ms)`: queued on the `DiskWriter` (group-committed fsyncs);
/// - `.writeCheckpoint(cp)`: queued on the `DiskWriter`, which writes it
///   atomically after the replica lines it covers are durable; the
///   completion hops back to the loop and emits `.checkpointWritten`;
/// - `.readHistory(r)`: answered by the `HistoryReader` thread from its own
///   `ReplicaStore`, fed back as `.historyRead` on the loop thread;
/// - `.deliver`, `.token`, `.status`, `.restored`, `.notice`: `onEvent`.
/// After every input the single node timer is re-armed at
/// `node.nextDeadline(now:)`.
public final class NodeHost {
    public let options: HostOptions
    public let loop: EventLoop
    public let stateDirectory: StateDirectory

    /// Called on the loop thread for everything the screen should know.
    public var onEvent: ((HostEvent) -> Void)?

    /// The running node; nil before `start()` and after `shutdown()`.
    public private(set) var currentNode: Node?

    /// The running node. Only valid between `start()` and `shutdown()`.
    public var node: Node {
        guard let n = currentNode else { preconditionFailure("NodeHost.node read before start() or after shutdown()") }
        return n
    }

    /// The unsent input line, carried in checkpoints (restored after a crash).
    public var draft: String {
        get { currentNode?.draft ?? pendingDraft }
        set {
            if currentNode != nil { feed(.setDraft(newValue)) } else { pendingDraft = newValue }
        }
    }

    /// Called on the loop thread when the node is about to pass a token it
    /// sent with and kept to the end of the turn (`TurnDriver.beforeTurnEnd`):
    /// a front end may type the line its program wrote in answer to this
    /// turn's deliveries, which then leaves in this visit of the token.
    public var beforePass: (() -> Void)? {
        get { turns.beforeTurnEnd }
        set { turns.beforeTurnEnd = newValue }
    }

    /// The group address actually joined, for the screen.
    public var interfaceAddress: String? { receivePath?.socket.interfaceAddress }

    /// Whether the group is keyed (every packet sealed with `options.groupKey`).
    public var isKeyed: Bool { seal.isKeyed }

    /// Whether `start()` succeeded and `shutdown()` has not been called.
    public var isRunning: Bool { currentNode != nil }

    private var pendingDraft = ""
    /// The replica read back through its index (history older than the
    /// node's cache: catch-up answers, the screen's scroll-back).
    public private(set) var historyStore: ReplicaStore?
    /// Reads the history the node asks for (catch-up answers) and the
    /// screen's pages off the loop.
    private var historyReader: HistoryReader?
    /// The screen's pages asked of the reader, by request number.
    private var pagesWaiting: [UInt64: ([ChatMessage]) -> Void] = [:]
    private var lastPageRead: UInt64 = 0
    private var receivePath: ReceivePath?
    private var disk: DiskWriter?
    /// Held from `start()` to `shutdown()`: one node per state dir.
    private var lock: StateLock?
    private var timer: EventLoop.TimerID?
    private var timerAt: Instant?
    private var counters = HostStats()
    /// Wire versions already warned about (`warnVersion`).
    private var versionsWarned: Set<UInt8> = []
    /// Receive-side counters of sockets closed by simulated crashes.
    private var closedSockets = HostStats()
    private var lastSendWarning: Instant?
    private let seal: PacketSeal
    /// When each (source address, rejection) was last reported.
    private var lastRejectWarning: [String: Instant] = [:]
    /// Bumped on every (re)start: completions of an earlier node are stale.
    private(set) var generation: UInt64 = 0
    private let completions = Completions()
    /// Feeds the node a turn at a time: inputs that arrive while the effects
    /// of another are being applied (a line typed from a delivery callback)
    /// are fed right after it, in the same turn, so that a holder can still
    /// send them (`Node.Input.turnEnd`).
    private let turns = TurnDriver()
    /// One nick per live node (NodeHost+Nick.swift).
    var nickClaim: NickClaim?
    var nickMembers: [(id: NodeID, nick: String)] = []
    /// Whether the nick rule has judged `nickMembers` with the claim as it
    /// is (a status with the same members need not be judged again).
    var nickReviewed = false
    var nickTimer: EventLoop.TimerID?
    /// This node's X25519 public key, announced with its rooms
    /// (NodeHost+Private.swift); empty until the identity is loaded.
    var identityPublicKey: [UInt8] = []
    var identity: IdentityKey?
    /// The keys peers announced (trust on first use) and their file.
    var knownPeers = KnownPeers()
    var knownPeersFile: KnownPeersFile?
    /// Private messages for this node that did not open (mangled, forged).
    var privateUnopened = 0
    /// `/search` off the loop (NodeHost+Search.swift).
    var searchReader: SearchReader?
    var searchCallbacks: [UInt64: (SearchAnswer) -> Void] = [:]
    var nextSearch: UInt64 = 0

    /// Prepares the host; opens nothing yet. Throws only if the state
    /// directory cannot be created.
    public init(options: HostOptions, loop: EventLoop) throws {
        self.options = options
        self.loop = loop
        self.seal = PacketSeal(key: options.groupKey)
        self.stateDirectory = try StateDirectory(path: options.stateDir).create()
    }

    deinit {
        if let t = timer { loop.cancel(t) }
        if let t = nickTimer { loop.cancel(t) }
        // Never leave the disk thread running (it keeps itself alive).
        disk?.close()
        historyReader?.close()
        searchReader?.close()
        knownPeersFile?.close()
        receivePath?.stop()
        receivePath?.socket.close()
    }

    // MARK: lifecycle

    /// Opens the socket, bumps the incarnation durably (node.json), loads
    /// the newest valid checkpoint (falling back to the previous one) and
    /// the replica (cutting a torn tail), restores the node from them,
    /// registers with the loop and arms the node's timer. Emits
    /// `.restored` (with every loading warning) and the first `.status`.
    /// The reconciler then catches up from peers.
    public func start() throws {
        precondition(currentNode == nil, "NodeHost.start() called twice")
        if lock == nil { lock = try StateLock(directory: stateDirectory.path) }
        try loadIdentity()
        try openSocket()
        do {
            try restoreFromDisk()
        } catch {
            closeSocket()
            throw error
        }
    }

    /// Simulates a crash and restart in place: every queued disk write is
    /// flushed, the in-memory node is dropped (outbox, hold-back queue,
    /// membership, everything), the socket is closed and reopened (datagrams
    /// in flight and in the delay queue are lost, as in a real crash), the
    /// incarnation is bumped, and the node is restored from disk exactly as
    /// on start. Emits `.restored`. Blocks the loop for the flush.
    public func simulateCrash() throws {
        precondition(currentNode != nil, "simulateCrash() needs a started host")
        let keptDraft = draft
        stopNode()
        disk?.close()
        disk = nil
        closeSocket()
        pendingDraft = keptDraft
        try openSocket()
        try restoreFromDisk()
    }

    /// Leaves the ring (the node multicasts its `leave` and passes a held
    /// token; the loop runs on until the node's `leaveSettled`, at most
    /// `leaveLinger`), takes a final checkpoint, waits until it and every
    /// replica line are durable, and closes the socket. Emits the last
    /// `.checkpointWritten` before returning. Idempotent.
    public func shutdown() {
        guard currentNode != nil else { return }
        run(.leave)
        lingerWhileLeaving()
        run(.checkpoint)
        stopNode()
        closeSocket()
        disk?.close()   // flushes: the final checkpoint's completion has run
        disk = nil
        knownPeersFile?.save(knownPeers)   // the times each peer was last heard
        knownPeersFile?.close()
        knownPeersFile = nil
        drainCompletions()
        lock?.release()
        lock = nil
    }

    // MARK: user actions

    /// Queues a typed line; it is sent when this node holds the token. The
    /// core refuses an empty line silently and an over-long one with a
    /// `.notice`.
    public func type(_ text: String, kind: MessageKind = .text) {
        feed(.type(text, kind: kind))
    }

    /// Queues several lines in one turn (a paste), so one token visit
    /// carries them all (up to the node's batch): a holder does not pass
    /// the token after the first line. `room`: `RoomName`'s wire form.
    public func type(lines: [String], kind: MessageKind = .text, room: String = RoomName.lobby) {
        type(lines: lines.map { ($0, kind, room) })
    }

    /// Queues several typed lines in one turn of the node (a program's
    /// lines of one read), all in the lobby.
    public func type(lines: [(text: String, kind: MessageKind)]) {
        type(lines: lines.map { ($0.text, $0.kind, RoomName.lobby) })
    }

    /// Queues several typed lines in one turn of the node, each for its
    /// room (the headless front end's lines of one read, a paste): as
    /// `type` each, with one carrying out of their effects.
    public func type(lines: [(text: String, kind: MessageKind, room: String)]) {
        guard lines.count > 1 else {
            if let l = lines.first { feed(.type(l.text, kind: l.kind, room: l.room)) }
            return
        }
        turns.run(batch: lines.map { .type($0.text, kind: $0.kind, room: $0.room) }, node: { currentNode }, now: EventLoop.monotonicNow,
                  perform: { apply($0) })
    }

    /// Reads a page of history for the screen: the replica's lines on the
    /// `HistoryReader` thread, merged with the node's cache on the loop
    /// thread, where `done` then runs (at once when there is no index to
    /// read: the cache is all there is). A page asked of a node that has
    /// since crashed or stopped is never answered.
    public func readPage(_ page: HistoryPage, _ done: @escaping ([ChatMessage]) -> Void) {
        guard let n = currentNode else { return }
        guard let reader = historyReader else { return done(forScreen(n.history(page, disk: []))) }
        lastPageRead += 1
        let id = lastPageRead
        pagesWaiting[id] = done
        let gen = generation
        let loopHandle = loop.handle
        let me = UncheckedWeak(self)
        reader.read(page) { lines in
            loopHandle.post { me.value?.pageAnswered(id, page, lines, generation: gen) }
        }
    }

    /// Takes a checkpoint now (written in the background; `.checkpointWritten`
    /// follows).
    public func checkpoint() {
        feed(.checkpoint)
    }

    /// Changes the nick if `NickRule` allows it; else a `.notice` with the
    /// rule's refusal ("invalid nick: …") and no change. A nick a live
    /// member holds gives `NAME_` and a notice (`NickClaim`).
    public func setNick(_ nick: String) {
        if let refusal = NickRule.refusal(nick) {
            onEvent?(.notice(refusal))
            return
        }
        claimNick(nick)
    }

    /// The shell's counters (the disk thread's are read under its lock).
    public var stats: HostStats {
        var s = counters
        s.privateUnopened = privateUnopened
        s.datagramsReceived = closedSockets.datagramsReceived
        s.faultDropped = closedSockets.faultDropped
        s.faultDuplicated = closedSockets.faultDuplicated
        s.faultDelayed = closedSockets.faultDelayed
        s.faultOverflowed = closedSockets.faultOverflowed
        s.sendDrops = closedSockets.sendDrops
        if let rp = receivePath { s.addSocketCounters(of: rp) }
        if let d = disk { s.disk = d.stats }
        if let n = currentNode {
            s.implausibleDrops += n.stats.implausibleDrops
            s.lastImplausible = n.stats.lastImplausible ?? s.lastImplausible
            s.replicaRefilling = n.replicaRefillPending
        }
        return s
    }

    // MARK: internals

    func feed(_ input: Node.Input) { run(input) }

    /// Feeds one input, then whatever its effects' callbacks fed, then the
    /// end of the turn (`TurnDriver`). Never re-enters the node: an input
    /// fed from a callback waits for the running turn (typing from a
    /// delivery callback used to recurse until the stack overflowed).
    func run(_ input: Node.Input) {
        turns.run(input, node: { currentNode }, now: EventLoop.monotonicNow, perform: { apply($0) })
    }

    private func openSocket() throws {
        let socket = try MulticastSocket(group: options.group, port: options.port,
                                         interface: options.interface, ttl: options.ttl)
        let injector = FaultInjector(spec: options.faults, seed: options.faultSeed ?? Entropy.random64())
        let rp = ReceivePath(socket: socket, loop: loop, faults: injector,
                             admit: { [unowned self] bytes, from in self.admit(bytes, from: from) },
                             isUrgent: { [unowned self] bytes in self.isTokenOfOurRing(bytes) },
                             onDatagrams: { [unowned self] group in self.receive(group) })
        receivePath = rp
        rp.start()
    }

    private func closeSocket() {
        guard let rp = receivePath else { return }
        // Keep the counters of the old socket across a simulated crash.
        closedSockets.addSocketCounters(of: rp)
        rp.stop()
        rp.socket.close()
        receivePath = nil
    }

    /// Runs the loop (when it is not already running) until the leaving
    /// node has nothing left to say, or `leaveLinger` passed: its leave
    /// re-sends go out, and a pass it made is re-sent until answered.
    private func lingerWhileLeaving() {
        guard let n = currentNode, !n.leaveSettled, !loop.isRunning else { return }
        let deadline = EventLoop.monotonicNow() + n.config.leaveLinger
        var check: EventLoop.TimerID?
        func poll() {
            if currentNode?.leaveSettled ?? true || EventLoop.monotonicNow() >= deadline {
                check = nil
                loop.stop()
                return
            }
            check = loop.schedule(at: EventLoop.monotonicNow() + .milliseconds(2)) { poll() }
        }
        poll()
        guard check != nil else { return }
        try? loop.run()
        if let c = check { loop.cancel(c) }
    }

    private func stopNode() {
        historyStore = nil
        pagesWaiting = [:]
        historyReader?.close()
        historyReader = nil
        stopSearch()
        if let n = currentNode {
            // The node's own counters die with it; the host's run on.
            counters.implausibleDrops += n.stats.implausibleDrops
            counters.lastImplausible = n.stats.lastImplausible ?? counters.lastImplausible
        }
        if let t = timer { loop.cancel(t) }
        if let t = nickTimer { loop.cancel(t) }
        timer = nil
        timerAt = nil
        nickTimer = nil
        currentNode = nil
    }

    private func restoreFromDisk() throws {
        let dir = stateDirectory
        let ids = try NodeFile.start(in: dir.path, nick: options.nick, randomID: Entropy.random64)
        let store = CheckpointStore(directory: dir.path)
        let (checkpoints, cpWarnings) = store.loadAll()
        let config = options.effectiveConfig
        // Reads only the replica lines after the checkpoint (all of them
        // when its snapshot does not match), and catches the index up.
        let opening = ReplicaOpening.prepare(dir, checkpoint: checkpoints.first, capacity: config.recentMessages)
        // The writer first: it creates the replica of a brand-new node,
        // which the history store then opens for reading.
        let indexed = opening.index != nil
        let writer = try DiskWriter(replicaPath: dir.replicaPath, checkpoints: store, syncInterval: options.syncInterval,
                                    start: opening.end, index: opening.index,
                                    maxUnwrittenBytes: options.maxUnwrittenBytes, writeBytes: options.replicaWrite)
        disk = writer
        var storeWarnings: [String] = []
        var history: ReplicaStore?
        if indexed {
            do { history = try ReplicaStore(directory: dir) } catch {
                storeWarnings.append("history older than the last \(config.recentMessages) messages cannot be read: \(error)")
            }
        }
        let loopHandle = loop.handle
        let me = UncheckedWeak(self)
        writer.onDrained = { loopHandle.post { me.value?.resumeCatchUp() } }
        // Replica writes failing or written again: said at once, on the loop.
        let reportGeneration = generation + 1   // this start's, bumped below
        writer.onReport = { r in loopHandle.post { me.value?.replicaReport(r, generation: reportGeneration) } }
        // Lines dropped while it was full: the node writes them again.
        writer.onMissing = { ranges in loopHandle.post { me.value?.replicaMissing(ranges, generation: reportGeneration) } }

        let now = EventLoop.monotonicNow()
        let wallOffset = EventLoop.wallClockMillis() - now.milliseconds
        let (n, effects) = Node.restore(node: ids.node, incarnation: ids.incarnation, replay: opening.replay,
                                        nick: options.nick, config: config,
                                        seed: Entropy.random64() ^ ids.node.raw, now: now, wallOffset: wallOffset)
        historyStore = history
        receivePath?.socket.dropDatagrams(from: ids.node.raw)
        generation += 1
        currentNode = n
        startNickClaim(me: ids.node, nick: n.nick, at: now)
        startSearch()
        if indexed {
            let gen = generation
            historyReader = HistoryReader(directory: dir, writer: writer) { id, answer in
                loopHandle.post { me.value?.historyAnswered(id, answer, generation: gen) }
            }
        }
        var draftEffects: [Effect] = []
        if !pendingDraft.isEmpty && n.draft.isEmpty { draftEffects = n.handle(.setDraft(pendingDraft), now: now) }
        pendingDraft = ""
        let loadWarnings = cpWarnings + opening.warnings + storeWarnings
        apply(effects.map { e in
            guard case .restored(var r) = e else { return e }
            r.warnings = loadWarnings + r.warnings
            return .restored(r)
        } + draftEffects)
        announceAtStart()
    }

    /// Datagrams read together (`ReceivePath`): one node turn for the lot.
    private func receive(_ group: [[UInt8]]) {
        guard let n = currentNode else { return }
        if group.count == 1 {
            if let p = decode(group[0], me: n.id) { run(.packet(p)) }
            return
        }
        let inputs = group.compactMap { decode($0, me: n.id).map(Node.Input.packet) }
        turns.run(batch: inputs, node: { currentNode }, now: EventLoop.monotonicNow, perform: { apply($0) })
    }

    private func decode(_ bytes: [UInt8], me: NodeID) -> Packet? {
        // Our own datagrams come back through multicast loopback (which must
        // stay on: other nodes on this machine hear us through it). The
        // socket's kernel filter drops them (`dropDatagrams(from:)`); where
        // it could not be attached they are dropped here, before decoding,
        // as the core would ignore them anyway.
        if Self.sender(of: bytes) == me.raw {
            counters.ownEchoes += 1
            return nil
        }
        do {
            let packet = try WireCodec.decode(bytes)
            counters.packetsDecoded += 1
            return packet
        } catch {
            counters.decodeDrops += 1
            counters.lastDecodeError = "\(error)"
            if case .unsupportedVersion(let v) = error { warnVersion(v, bytes: bytes) }
            return nil
        }
    }

    /// The version rule (docs/PROTOCOL.md §9): a datagram of another wire
    /// version is dropped and counted, and the node says so once per
    /// version (naming the first node seen speaking it), so that a mixed
    /// group is not a silent split. Once per version, not per sender: junk
    /// with random senders must not grow a set or flood the screen.
    private func warnVersion(_ v: UInt8, bytes: [UInt8]) {
        guard let sender = Self.sender(of: bytes), versionsWarned.insert(v).inserted else { return }
        let older = v > WireLimits.version ? "this node" : "that node"
        onEvent?(.warning("node \(NodeID(sender).hex) speaks wire version \(v), this node \(WireLimits.version): "
            + "packets of version \(v) are ignored until the older one (\(older)) is upgraded"))
    }

    /// Opens the group-key envelope (or checks there is none): what the
    /// node may see of `bytes`, or nil with the drop counted and, at most
    /// every 10 s per source and reason, a warning naming the source.
    private func admit(_ bytes: [UInt8], from socket: MulticastSocket) -> [UInt8]? {
        // Our own datagrams come back through loopback: `receive` drops them
        // unread, so there is nothing to open.
        if let n = currentNode, Self.sender(of: bytes) == n.id.raw { return bytes }
        switch seal.open(bytes) {
        case .success(let plain):
            return plain
        case .failure(let why):
            let source = socket.lastSourceText
            counters[keyPath: why.counter] += 1
            let text = why.warning(from: source)
            let key = "\(source) \(why.rawValue)"
            let now = EventLoop.monotonicNow()
            if lastRejectWarning[key].map({ now - $0 >= .seconds(10) }) ?? true {
                if lastRejectWarning.count >= 256 { lastRejectWarning.removeAll() }
                lastRejectWarning[key] = now
                onEvent?(.warning(text))
            }
            return nil
        }
    }

    /// The sender id in a datagram's header (`WireHeader`), or nil if it is
    /// too short or not ours.
    /// Only a token of the ring we are in jumps the receive queue: a node
    /// that met a new ring through its token before the data sent ahead of
    /// it would join that ring at the token's next seq and show those
    /// messages as late ones, in another order than its peers (seen in
    /// `ringchat bench --crash` when every token jumped).
    private func isTokenOfOurRing(_ bytes: [UInt8]) -> Bool {
        guard let r = WireCodec.tokenRing(bytes), let ours = currentNode?.ring else { return false }
        return r == ours
    }

    static func sender(of bytes: [UInt8]) -> UInt64? {
        WireHeader.sender(of: bytes)?.raw
    }

    private func tick() {
        timer = nil
        timerAt = nil
        run(.tick)
    }

    private func apply(_ effects: consuming [Effect]) {
        var effects = effects
        // One sendmmsg() and one disk enqueue per input, not one per packet
        // and per message. Packets still leave before deliveries are shown
        // and in effect order.
        var datagrams: [[UInt8]] = []
        var lines: [ChatMessage] = []
        for i in effects.indices where effects[i].isOutput {
            switch effects[i] {
            case .send(let p): datagrams.append(seal.seal(WireCodec.encode(p)))
            case .persist(let ms): if lines.isEmpty { lines = ms } else { lines += ms }
            default: continue
            }
        }
        if !datagrams.isEmpty { sendAll(datagrams) }
        // The disk is behind (a catch-up arrives faster than it is
        // written): ask peers for no more until it drains.
        if !lines.isEmpty, disk?.appendReplica(lines) == true, currentNode?.catchUpPaused == false {
            feed(.catchUpPaused(true))
        }
        // Each effect is moved out, not copied: a delivery per message, and
        // each copy retained and released its message's strings.
        for i in effects.indices {
            switch effects.moveOut(i) {
            case .send, .persist: continue
            case .deliver(let m, let backfill):
                // A private message reaches the screen opened, and only at its two ends.
                if let shown = m.kind == .private ? forScreen(m) : m { onEvent?(.delivered(shown, backfill: backfill)) }
            case .writeCheckpoint(let cp): writeCheckpoint(cp)
            case .token(let t): onEvent?(.token(t))
            case .status(let s):
                onEvent?(.status(s))
                nickStatus(s)
                learnKeys(s)
            case .restored(let r): onEvent?(.restored(r))
            case .notice(let text): onEvent?(.notice(text))
            case .readHistory(let r): readHistory(r)
            }
        }
        rearm()
    }

    /// The disk caught up: carry on fetching history (on the loop thread).
    private func resumeCatchUp() {
        guard let n = currentNode, n.catchUpPaused else { return }
        feed(.catchUpPaused(false))
        feed(.tick)
    }

    /// Answers the node's read of its history store (the replica), off the
    /// loop thread when the replica has an index (`HistoryReader`);
    /// without one there is nothing older than the cache to read.
    private func readHistory(_ request: HistoryRequest) {
        guard let reader = historyReader else { return feed(.historyRead(request.id, [])) }
        reader.read(request)
    }

    /// An answer of the reader, on the loop thread; one for a node that has
    /// since crashed or stopped is dropped.
    private func historyAnswered(_ id: HistoryRequest.ID, _ answer: [[ChatMessage]], generation gen: UInt64) {
        guard gen == generation, currentNode != nil else { return }
        counters.historyReads += 1
        feed(.historyRead(id, answer))
    }

    /// A page of the reader, on the loop thread: merged with the cache now.
    private func pageAnswered(_ id: UInt64, _ page: HistoryPage, _ lines: [ChatMessage], generation gen: UInt64) {
        guard let done = pagesWaiting.removeValue(forKey: id) else { return }
        guard gen == generation, let n = currentNode else { return }
        done(forScreen(n.history(page, disk: lines)))
    }

    /// The replica cannot be written (a warning), or is written again.
    private func replicaReport(_ r: ReplicaReport, generation gen: UInt64) {
        guard gen == generation else { return }
        switch r.kind {
        case .failing: onEvent?(.warning(r.text))
        case .recovered: onEvent?(.notice(r.text))
        }
    }

    /// The replica lacks these lines (dropped while the disk was full): the
    /// node writes them again from its cache or its peers (Node+Refill).
    private func replicaMissing(_ ranges: [StreamRange], generation gen: UInt64) {
        guard gen == generation, currentNode != nil else { return }
        feed(.replicaMissing(ranges))
    }

    /// Keeps exactly one loop timer at the node's next deadline.
    private func rearm() {
        guard let n = currentNode else { return }
        let at = n.nextDeadline(now: EventLoop.monotonicNow())
        // Never push a pending tick later: the node clamps an overdue
        // deadline to now + 1 ms, so re-arming on every input (a datagram
        // or a typed line more often than every ms, i.e. any load) kept
        // moving the tick out and starved it: no pass re-sends, no loss or
        // dead-member checks, for as long as the load lasted.
        if let old = timerAt, timer != nil, old <= at { return }
        if let t = timer { loop.cancel(t) }
        timerAt = at
        timer = loop.schedule(at: at) { [unowned self] in self.tick() }
    }

    private func sendAll(_ datagrams: [[UInt8]]) {
        guard let socket = receivePath?.socket else { return }
        do {
            counters.packetsSent += try socket.sendMany(datagrams)
        } catch {
            counters.sendErrors += 1
            // A dead interface would otherwise print a warning per packet.
            let now = EventLoop.monotonicNow()
            if lastSendWarning.map({ now - $0 >= .seconds(5) }) ?? true {
                lastSendWarning = now
                onEvent?(.warning("send failed (\(counters.sendErrors) so far): \(error)"))
            }
        }
    }

    private func writeCheckpoint(_ cp: Checkpoint) {
        guard let writer = disk else { return }
        let gen = generation
        let box = completions
        let loopHandle = loop.handle
        let me = UncheckedWeak(self)
        writer.writeCheckpoint(cp) { result in
            box.push(.init(generation: gen, checkpoint: cp, error: result.errorText))
            loopHandle.post { me.value?.drainCompletions() }
        }
    }

    /// Runs on the loop thread (posted by the disk thread, or directly from
    /// `shutdown`).
    private func drainCompletions() {
        for c in completions.take() {
            guard c.generation == generation else { continue }
            if let why = c.error {
                counters.checkpointsFailed += 1
                onEvent?(.warning("checkpoint #\(c.checkpoint.number) was not written: \(why)"))
            } else {
                counters.checkpointsWritten += 1
                onEvent?(.checkpointWritten(c.checkpoint))
            }
        }
    }
}

/// Checkpoint completions handed from the disk thread to the loop thread.
private final class Completions: Sendable {
    struct Item: Sendable {
        var generation: UInt64
        var checkpoint: Checkpoint
        var error: String?
    }
    private let items = Mutex<[Item]>([])
    func push(_ i: Item) { items.withLock { $0.append(i) } }
    func take() -> [Item] { items.withLock { let out = $0; $0 = []; return out } }
}

/// A weak reference that may cross to the loop's inbox: the work it is
/// captured in only ever runs on the loop thread, which owns the host.
struct UncheckedWeak<T: AnyObject>: @unchecked Sendable {
    weak var value: T?
    init(_ v: T) { value = v }
}

private extension Result where Failure == any Error {
    var errorText: String? {
        if case .failure(let e) = self { return "\(e)" }
        return nil
    }
}

private extension Effect {
    /// Carried out before any delivery is shown (`NodeHost.apply`).
    var isOutput: Bool {
        switch self {
        case .send, .persist: true
        default: false
        }
    }
}

private extension Array where Element == Effect {
    /// The effect at `i`, moved out: a trivial one (an empty notice, no
    /// heap) is left in its place for the array to destroy.
    mutating func moveOut(_ i: Int) -> Effect {
        var e = Effect.notice("")
        swap(&e, &self[i])
        return e
    }
}
