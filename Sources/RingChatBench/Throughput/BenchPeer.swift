#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Histogram
import RingChatCore
import RingChatIO
import RingChatStorage
import RingChatSession

/// What one headless peer does under `ringchat bench` (the same protocol
/// as the anchors' cpgbench): wait until the ring has `members` nodes,
/// multicast 100-byte lines for `seconds` with at most `window` in flight
/// (sent, not yet delivered back), optionally paced at `rate` lines/s, then
/// an END line; done when every current member's END is delivered. Every
/// delivered bench line is folded into an FNV-1a hash of the delivery
/// sequence; the peer prints one `bench` JSON line instead of an event per
/// delivery, so the measurement does not measure the JSON writer.
public struct BenchPeerOptions: Sendable {
    public var members: Int
    public var seconds: Double
    /// 0: a passive peer (it sends only END).
    public var window: Int
    /// Lines per second; 0: flat out (window-limited).
    public var rate: Int
    public var size: Int = 100

    public init(members: Int, seconds: Double, window: Int, rate: Int) {
        self.members = members
        self.seconds = seconds
        self.window = window
        self.rate = rate
    }
}

/// `ringchat bench-peer`: a front end of one `Session` that types the
/// benchmark's load and prints one `bench` JSON line at the end (after the
/// `started` and `restored` events of a headless node).
public final class BenchPeer: SessionFrontEnd {
    let options: BenchPeerOptions
    /// The JSON writer (and stdout queue) of a headless node without stdin.
    let headless = HeadlessFrontEnd(style: .json, readStdin: false)
    private unowned var session: Session!
    var host: NodeHost { session.host }
    /// RINGCHAT_BENCH_EVENTS=1 also writes the ring's story (to debug a run).
    let traceRing = getenv("RINGCHAT_BENCH_EVENTS") != nil

    var started: Instant?
    var stopSending: Instant?
    var sent = 0
    var inFlight = 0
    /// When each line in flight was typed, at `number % window` (at most
    /// `window` are in flight): no hashing per message.
    var sendTimes: [(number: Int, at: Instant)]
    /// Send to own delivery, in µs, 3 significant digits (values below
    /// 2,048 µs are exact): fixed memory however long the run, where a
    /// sorted array of every sample grew with it.
    var latencies = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    var delivered = 0
    var data = 0
    var firstData: Instant?
    var lastData: Instant?
    var hash = FNV1a()
    var ends: Set<NodeID> = []
    var endSent = false
    var members: [NodeID] = []
    var lastDelivery: Instant?
    var maxGap: Duration = .zero
    var maxGapEndWall: Int64 = 0
    /// When the longest gap ended, from the start of the load.
    var maxGapAt: Duration = .zero
    var ringChanges = 0
    /// Why this node formed rings after the start: token lost, successor silent.
    var why: [String: Int] = [:]
    var backfills = 0
    var reported = false
    var timer: Session.Timer?
    let padding: String

    public init(options: BenchPeerOptions) {
        self.options = options
        padding = String(repeating: "x", count: max(0, options.size - 24))
        sendTimes = Array(repeating: (-1, .zero), count: max(1, options.window))
    }

    /// Runs one bench peer until the harness stops it; the exit status.
    public static func run(options: HostOptions, load: BenchPeerOptions) -> Int32 {
        Session.run(options: options) { _ in BenchPeer(options: load) }
    }

    public var signals: [Int32] { headless.signals }
    public func started(_ session: Session) throws {
        self.session = session
        try headless.started(session)
    }
    public func failedToStart(_ error: any Error) { headless.failedToStart(error) }
    public func signalled(_ signal: Int32) { headless.signalled(signal) }
    public func stopping(_ session: Session) { headless.stopping(session) }
    public func stopped(_ session: Session, finalCheckpoint: UInt64?) -> Int32 {
        headless.stopped(session, finalCheckpoint: finalCheckpoint)
    }

    public func handle(_ e: HostEvent) {
        load(e)
        switch e {
        case .restored: headless.handle(e)
        case .delivered, .status: break
        case .token(.lost), .token(.successorSilent), .token(.regenerated), .token(.ringChanged):
            if traceRing { headless.handle(e) }
        case .token: break
        default:
            if traceRing { headless.handle(e) }
        }
    }

    func load(_ e: HostEvent) {
        let now = Session.now()
        switch e {
        case .delivered(let m, let backfill):
            delivered(m, backfill: backfill, now: now)
        case .status(let s):
            members = s.members.map(\.id)
            // Members are heard before a ring forms: a line typed then
            // waits for the ring (its latency was the ~400 ms of forming
            // it, the `lat_max_us` of every run).
            if started == nil, members.count >= options.members, s.ring != nil { start(now: now) }
            finishIfDone()
        case .token(.ringChanged(let old, _)):
            if old != nil && started != nil { ringChanges += 1 }
        case .token(.lost):
            if started != nil { why["lost", default: 0] += 1 }
        case .token(.successorSilent):
            if started != nil { why["silent", default: 0] += 1 }
        default:
            break
        }
    }

    func start(now: Instant) {
        started = now
        stopSending = now + .milliseconds(Int64(options.seconds * 1000))
        tick()
    }

    /// Sends what the window and the pace allow; re-armed every ms while
    /// sending, so pacing and the end of the run need no other clock.
    func tick() {
        if let t = timer { session.cancel(t) }
        timer = nil
        guard let started, let stop = stopSending else { return }
        let now = Session.now()
        if now >= stop {
            if !endSent {
                endSent = true
                host.type("e \(host.node.id.hex)")
            }
            return
        }
        refill(now: now, started: started)
        // Paced: every ms. Flat out: deliveries refill the window, the timer
        // only ends the run. Passive: wake at the end only.
        let next = options.window == 0 ? stop : options.rate > 0 ? now + .milliseconds(1) : min(stop, now + .milliseconds(50))
        timer = session.schedule(at: next) { [weak self] in self?.tick() }
    }

    /// Types what the window (and the pace) allows.
    func refill(now: Instant, started: Instant) {
        guard options.window > 0 else { return }
        var allowed = options.window - inFlight
        if options.rate > 0 {
            let due = Int((now - started).milliseconds * Double(options.rate) / 1000) - sent
            allowed = min(allowed, due)
        }
        while allowed > 0 {
            sent += 1
            inFlight += 1
            sendTimes[sent % sendTimes.count] = (sent, now)
            host.type("b\(sent) \(padding)")
            allowed -= 1
        }
    }

    func delivered(_ m: ChatMessage, backfill: Bool, now: Instant) {
        guard let first = m.text.utf8.first, first == UInt8(ascii: "b") || first == UInt8(ascii: "e") else { return }
        if backfill { backfills += 1 }
        delivered += 1
        hash.add(m.id.origin.raw)
        hash.add(UInt64(m.id.incarnation))
        hash.add(UInt64(m.id.counter))
        // Gaps of the steady state only: the ring forming before the first
        // line and the END round after the last are not stalls. A gap that
        // an END line closes is that round too: each peer's clock started
        // when it saw the ring complete, so a passive peer's `stopSending`
        // can fall after the sender's last line (a 90 ms "stall" at the end
        // of 8-node lat runs was only that).
        if first == UInt8(ascii: "b"), let last = lastDelivery, let stop = stopSending, now < stop, now - last > maxGap {
            maxGap = now - last
            maxGapEndWall = Session.wallClockMillis()
            maxGapAt = started.map { now - $0 } ?? .zero
        }
        lastDelivery = now
        if first == UInt8(ascii: "e") {
            ends.insert(m.id.origin)
            finishIfDone()
            return
        }
        data += 1
        if firstData == nil { firstData = now }
        lastData = now
        if m.id.origin == host.node.id, let n = Self.number(in: m.text), sendTimes[n % sendTimes.count].number == n {
            let t = sendTimes[n % sendTimes.count].at
            sendTimes[n % sendTimes.count].number = -1
            inFlight -= 1
            latencies.record(UInt64(max(0, (now - t).nanoseconds / 1000)))
            // Flat out: type the next line at once, as a client would.
            // The host feeds it after this delivery's turn (never into the
            // node from inside its own output), while the holder that just
            // delivered it may still send it in the same visit.
            if options.rate == 0, let started, let stop = stopSending, now < stop { refill(now: now, started: started) }
        }
    }

    static func number(in text: String) -> Int? {
        var n = 0, any = false
        for b in text.utf8.dropFirst() {
            guard b >= 48 && b <= 57 else { break }
            n = n * 10 + Int(b - 48)
            any = true
        }
        return any ? n : nil
    }

    func finishIfDone() {
        guard !reported, endSent, !members.isEmpty, members.allSatisfy({ ends.contains($0) }) else { return }
        reported = true
        let secs = max(0.001, ((lastData ?? .zero) - (firstData ?? .zero)).milliseconds / 1000)
        func pct(_ p: Double) -> Int64 { latencies.totalCount == 0 ? 0 : Int64(clamping: latencies.valueAtPercentile(p)) }
        var cpu = rusage()
        getrusage(RUSAGE_SELF.rawValue, &cpu)
        let cpuMicros = Int64(cpu.ru_utime.tv_sec + cpu.ru_stime.tv_sec) * 1_000_000 + Int64(cpu.ru_utime.tv_usec + cpu.ru_stime.tv_usec)
        let fields: [(String, JSONValue)] = [
            ("event", .string("bench")), ("node", .string(host.node.id.hex)), ("sent", .int(Int64(sent))),
            ("delivered", .int(Int64(delivered))), ("data", .int(Int64(data))),
            ("agreed_msgs_per_s", .int(Int64(Int(Double(data) / secs)))), ("hash", .string(hash.hex)),
            ("lat_n", .int(Int64(clamping: latencies.totalCount))), ("lat_med_us", .int(pct(50))), ("lat_p90_us", .int(pct(90))),
            ("lat_p98_us", .int(pct(98))), ("lat_p99_us", .int(pct(99))), ("lat_p999_us", .int(pct(99.9))),
            ("lat_max_us", .int(Int64(clamping: latencies.max))),
            ("max_gap_ms", .int(Int64(Int(maxGap.milliseconds)))), ("max_gap_end_rt", .int(Int64(Int(maxGapEndWall)))), ("max_gap_at_ms", .int(Int64(maxGapAt.milliseconds))),
            ("ring_changes", .int(Int64(ringChanges))), ("lost", .int(Int64(why["lost"] ?? 0))), ("silent", .int(Int64(why["silent"] ?? 0))), ("backfills", .int(Int64(backfills))), ("members", .int(Int64(members.count))), ("rto_ms", .int(Int64(host.node.passRTT.timeout.milliseconds))),
            ("srtt_ms", .int(Int64(host.node.passRTT.smoothed ?? -1))),
            ("cpu_us", .int(Int64(Int(cpuMicros)))), ("end_rt", .int(Session.wallClockMillis())),
        ]
        headless.reporter.writeLine(JSONValue.object(fields).rendered + "\n")
    }
}
