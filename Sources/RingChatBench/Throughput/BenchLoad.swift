#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Histogram
import RingChatCore
import RingChatSession

/// What one headless peer does under `ringchat bench` (the same protocol
/// as the anchors' cpgbench): wait until the ring has `members` nodes,
/// multicast 100-byte lines for `seconds` with at most `window` in flight
/// (sent, not yet delivered back), optionally paced at `rate` lines/s, then
/// an END line; done when every current member's END is delivered. Every
/// delivered bench line is folded into a hash of the delivery
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

/// The load of one bench peer and what it measures, apart from how it
/// reaches its node: `BenchPeer` types into the node it runs in,
/// `BenchClient` writes lines to a separate headless node's stdin and reads
/// its JSON events, as a program would. Both call the same methods with the
/// same clock, so the two paths report the same figures.
final class BenchLoad {
    let options: BenchPeerOptions
    /// Sends one chat line (typed or written to the node's stdin).
    var type: (String) -> Void
    /// This node's id, once known.
    var me: UInt64?

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
    var ends: Set<UInt64> = []
    var endSent = false
    var members: [UInt64] = []
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
    let padding: String

    init(options: BenchPeerOptions, type: @escaping (String) -> Void) {
        self.options = options
        self.type = type
        padding = String(repeating: "x", count: max(0, options.size - 24))
        sendTimes = Array(repeating: (-1, .zero), count: max(1, options.window))
    }

    /// The ring as the node's status shows it. Members are heard before a
    /// ring forms: a line typed then waits for the ring (its latency was
    /// the ~400 ms of forming it, the `lat_max_us` of every run).
    func status(members: [UInt64], ringFormed: Bool, now: Instant) {
        self.members = members
        if started == nil, members.count >= options.members, ringFormed { start(now: now) }
    }

    func ringChanged(fromAnother: Bool) { if fromAnother && started != nil { ringChanges += 1 } }
    func lost() { if started != nil { why["lost", default: 0] += 1 } }
    func silent() { if started != nil { why["silent", default: 0] += 1 } }

    func start(now: Instant) {
        started = now
        stopSending = now + .milliseconds(Int64(options.seconds * 1000))
    }

    /// Sends what the window and the pace allow, or the END line once the
    /// time is up; returns when to call again (nil: not started, or done).
    /// Paced: every ms. Flat out: deliveries refill the window, the timer
    /// only ends the run. Passive: wake at the end only.
    func tick(now: Instant) -> Instant? {
        guard let started, let stop = stopSending else { return nil }
        if now >= stop {
            if !endSent, let me {
                endSent = true
                type("e \(NodeID(me).hex)")
            }
            return nil
        }
        refill(now: now, started: started)
        return options.window == 0 ? stop : options.rate > 0 ? now + .milliseconds(1) : min(stop, now + .milliseconds(50))
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
            type(Self.line(sent, padding: padding))
            allowed -= 1
        }
    }

    /// One delivered line: `first` is its text's first byte, `number` the
    /// digits after it (a bench line's number).
    func delivered(origin: UInt64, incarnation: UInt32, counter: UInt32, first: UInt8, number: Int?,
                   backfill: Bool, now: Instant) {
        guard first == UInt8(ascii: "b") || first == UInt8(ascii: "e") else { return }
        if backfill { backfills += 1 }
        delivered += 1
        hash.mix(origin)
        hash.mix(UInt64(incarnation) << 32 | UInt64(counter))
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
            ends.insert(origin)
            return
        }
        data += 1
        if firstData == nil { firstData = now }
        lastData = now
        if origin == me, let n = number, sendTimes[n % sendTimes.count].number == n {
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

    /// "b<number> <padding>" in one allocation: an interpolation grew the
    /// string as it went, and this runs once per line sent.
    static func line(_ number: Int, padding: String) -> String {
        var line = "b"
        line.reserveCapacity(24 + padding.utf8.count)
        line += String(number)
        line += " "
        line += padding
        return line
    }

    static func number(in text: some Collection<UInt8>) -> Int? {
        var n = 0, any = false
        for b in text.dropFirst() {
            guard b >= 48 && b <= 57 else { break }
            n = n * 10 + Int(b - 48)
            any = true
        }
        return any ? n : nil
    }

    /// Every current member's END is in: the run is over for this peer.
    var isDone: Bool { !reported && endSent && !members.isEmpty && members.allSatisfy { ends.contains($0) } }

    /// The `bench` line's fields; `extra` after the load's own.
    func report(cpuMicros: Int64, extra: [(String, JSONValue)]) -> String {
        reported = true
        let secs = max(0.001, ((lastData ?? .zero) - (firstData ?? .zero)).milliseconds / 1000)
        func pct(_ p: Double) -> Int64 { latencies.totalCount == 0 ? 0 : Int64(clamping: latencies.valueAtPercentile(p)) }
        let fields: [(String, JSONValue)] = [
            ("event", .string("bench")), ("node", .string(NodeID(me ?? 0).hex)), ("sent", .int(Int64(sent))),
            ("delivered", .int(Int64(delivered))), ("data", .int(Int64(data))),
            ("agreed_msgs_per_s", .int(Int64(Int(Double(data) / secs)))), ("hash", .string(hash.hex)),
            ("lat_n", .int(Int64(clamping: latencies.totalCount))), ("lat_med_us", .int(pct(50))), ("lat_p90_us", .int(pct(90))),
            ("lat_p98_us", .int(pct(98))), ("lat_p99_us", .int(pct(99))), ("lat_p999_us", .int(pct(99.9))),
            ("lat_max_us", .int(Int64(clamping: latencies.max))),
            ("max_gap_ms", .int(Int64(Int(maxGap.milliseconds)))), ("max_gap_end_rt", .int(Int64(Int(maxGapEndWall)))), ("max_gap_at_ms", .int(Int64(maxGapAt.milliseconds))),
            ("ring_changes", .int(Int64(ringChanges))), ("lost", .int(Int64(why["lost"] ?? 0))), ("silent", .int(Int64(why["silent"] ?? 0))), ("backfills", .int(Int64(backfills))), ("members", .int(Int64(members.count))),
            ("cpu_us", .int(cpuMicros)), ("end_rt", .int(Session.wallClockMillis())),
        ] + extra
        return JSONValue.object(fields).rendered + "\n"
    }

    /// This process's user + system CPU so far, in µs.
    static func ownCPUMicros() -> Int64 {
        var cpu = rusage()
        getrusage(RUSAGE_SELF.rawValue, &cpu)
        return Int64(cpu.ru_utime.tv_sec + cpu.ru_stime.tv_sec) * 1_000_000 + Int64(cpu.ru_utime.tv_usec + cpu.ru_stime.tv_usec)
    }
}
