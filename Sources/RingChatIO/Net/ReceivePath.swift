import RingChatCore

/// The receive side wired together: socket readiness on the loop, each
/// datagram through the fault injector, held datagrams released by a loop
/// timer, and `onDatagrams` called on the loop thread with every copy that
/// comes out, in groups that the shell may hand to its node as one turn.
public final class ReceivePath {
    /// Datagrams read per readiness event: poll() is level-triggered, so the
    /// rest wait one loop turn and a flood cannot starve timers or the keyboard.
    public static let maxPerWakeup = 512
    /// Datagrams handed over together at most: one node turn each (its
    /// status, its timers and its sends once, not once per datagram), yet
    /// short enough that the first line of a burst is not held back long.
    public static let maxPerGroup = 32

    public let socket: MulticastSocket
    public private(set) var injector: FaultInjector
    /// Datagrams read from the socket.
    public private(set) var received = 0

    private let loop: EventLoop
    private let admit: (([UInt8], MulticastSocket) -> [UInt8]?)?
    private let onDatagrams: ([[UInt8]]) -> Void
    private let isUrgent: (([UInt8]) -> Bool)?
    private var burst: [[UInt8]] = []
    /// `isUrgent` of each datagram of `burst`, judged before any is handed over.
    private var urgent: [Bool] = []
    private var timer: EventLoop.TimerID?
    private var timerAt: Instant?

    /// `admit`, when given, sees every datagram as it leaves the socket
    /// (its sender's address still in `socket.lastSource`) and returns what
    /// goes on, or nil to drop it: the group key's envelope is opened there,
    /// before the fault injector delays or duplicates anything.
    /// `onDatagrams` gets an urgent datagram alone, and the others of one
    /// wake-up in groups of at most `maxPerGroup`, in the order read.
    public init(socket: MulticastSocket, loop: EventLoop, faults: FaultInjector,
                admit: (([UInt8], MulticastSocket) -> [UInt8]?)? = nil,
                isUrgent: (([UInt8]) -> Bool)? = nil,
                onDatagrams: @escaping ([[UInt8]]) -> Void) {
        self.socket = socket
        self.loop = loop
        self.admit = admit
        self.isUrgent = isUrgent
        self.injector = faults
        self.onDatagrams = onDatagrams
    }

    /// `onDatagram` called for each datagram, one at a time.
    public convenience init(socket: MulticastSocket, loop: EventLoop, faults: FaultInjector,
                            admit: (([UInt8], MulticastSocket) -> [UInt8]?)? = nil,
                            isUrgent: (([UInt8]) -> Bool)? = nil,
                            onDatagram: @escaping ([UInt8]) -> Void) {
        self.init(socket: socket, loop: loop, faults: faults, admit: admit, isUrgent: isUrgent,
                  onDatagrams: { for d in $0 { onDatagram(d) } })
    }

    /// Registers the socket with the loop.
    public func start() {
        loop.register(fd: socket.fd) { [unowned self] in self.readable() }
    }

    /// Unregisters and drops any held datagrams' timer.
    public func stop() {
        if socket.fd >= 0 { loop.unregister(fd: socket.fd) }
        if let t = timer { loop.cancel(t) }
        timer = nil
        timerAt = nil
    }

    private func readable() {
        let now = SystemClock.monotonicNow()
        var n = 0
        while n < Self.maxPerWakeup, var d = socket.receive() {
            n += 1
            received += 1
            if let admit {
                guard let admitted = admit(d, socket) else { continue }
                d = admitted
            }
            burst += injector.ingest(d, now: now)
        }
        handOver()
        release(now: now)
    }

    /// Hands the datagrams read in one wake-up to the node, urgent ones
    /// (the token) first: a token queued behind a holder's burst of data
    /// would otherwise wait until every message before it is stored and
    /// shown, and every hop of the ring would add that wait. Datagrams
    /// may arrive in any order anyway (the protocol orders by seq).
    ///
    /// Each datagram is judged once, before any is handed over: handing one
    /// over changes what counts as urgent (data of a new ring moves the
    /// node to it, and that ring's token becomes "ours"). Judged again in a
    /// second pass, the first token of every new ring was neither urgent
    /// the first time nor not-urgent the second, and was dropped: a 150 ms
    /// stall (the untimed re-send of the pass) at every ring formation.
    private func handOver() {
        defer { burst.removeAll(keepingCapacity: true) }
        guard let isUrgent, burst.count > 1 else {
            handOver(inGroups: burst)
            return
        }
        urgent.removeAll(keepingCapacity: true)
        for d in burst { urgent.append(isUrgent(d)) }
        for (d, u) in zip(burst, urgent) where u { onDatagrams([d]) }
        handOver(inGroups: zip(burst, urgent).filter { !$0.1 }.map(\.0))
    }

    private func handOver(inGroups datagrams: [[UInt8]]) {
        var start = 0
        while start < datagrams.count {
            let end = min(start + Self.maxPerGroup, datagrams.count)
            onDatagrams(start == 0 && end == datagrams.count ? datagrams : Array(datagrams[start..<end]))
            start = end
        }
    }

    private func release(now: Instant) {
        handOver(inGroups: injector.due(now: now))
        arm()
    }

    /// Keeps exactly one loop timer at the injector's earliest deadline.
    private func arm() {
        let next = injector.nextDeadline
        guard next != timerAt else { return }
        if let t = timer { loop.cancel(t) }
        timer = nil
        timerAt = next
        if let at = next {
            timer = loop.schedule(at: at) { [unowned self] in
                self.timer = nil
                self.timerAt = nil
                self.release(now: SystemClock.monotonicNow())
            }
        }
    }
}
