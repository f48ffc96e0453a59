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

/// `ringchat bench-peer`: a front end of one `Session` that types the
/// benchmark's load into its own node (`--via inproc`) and prints one
/// `bench` JSON line at the end (after the `started` and `restored` events
/// of a headless node).
public final class BenchPeer: SessionFrontEnd {
    /// The JSON writer (and stdout queue) of a headless node without stdin.
    let headless = HeadlessFrontEnd(style: .json, readStdin: false)
    private unowned var session: Session!
    var host: NodeHost { session.host }
    private var load: BenchLoad!
    private var timer: Session.Timer?
    /// RINGCHAT_BENCH_EVENTS=1 also writes the ring's story (to debug a run).
    let traceRing = getenv("RINGCHAT_BENCH_EVENTS") != nil

    public init(options: BenchPeerOptions) {
        // Typing starts once the ring is up, after `started` sets `type`.
        load = BenchLoad(options: options) { _ in }
    }

    /// Runs one bench peer until the harness stops it; the exit status.
    public static func run(options: HostOptions, load: BenchPeerOptions) -> Int32 {
        Session.run(options: options) { _ in BenchPeer(options: load) }
    }

    public var signals: [Int32] { headless.signals }
    public func started(_ session: Session) throws {
        self.session = session
        load.me = session.host.node.id.raw
        // The host itself, not reached through `self` and the unowned
        // session: a line is typed per message.
        load.type = { [host = session.host] line in host.type(line) }
        try headless.started(session)
    }
    public func failedToStart(_ error: any Error) { headless.failedToStart(error) }
    public func signalled(_ signal: Int32) { headless.signalled(signal) }
    public func stopping(_ session: Session) { headless.stopping(session) }
    public func stopped(_ session: Session, finalCheckpoint: UInt64?) -> Int32 {
        headless.stopped(session, finalCheckpoint: finalCheckpoint)
    }

    public func handle(_ e: HostEvent) {
        drive(e)
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

    private func drive(_ e: HostEvent) {
        let now = Session.now()
        switch e {
        case .delivered(let m, let backfill):
            let text = m.text.utf8
            // Only this node's lines are timed: only theirs need the number.
            let mine = m.id.origin.raw == load.me
            load.delivered(origin: m.id.origin.raw, incarnation: m.id.incarnation, counter: m.id.counter,
                           first: text.first ?? 0, number: mine ? BenchLoad.number(in: text) : nil, backfill: backfill, now: now)
        case .status(let s):
            let wasStarted = load.started != nil
            load.status(members: s.members.map(\.id.raw), ringFormed: s.ring != nil, now: now)
            if !wasStarted, load.started != nil { tick() }
        case .token(.ringChanged(let old, _)): load.ringChanged(fromAnother: old != nil)
        case .token(.lost): load.lost()
        case .token(.successorSilent): load.silent()
        default: break
        }
        finishIfDone()
    }

    /// Re-armed every ms while sending, so pacing and the end of the run
    /// need no other clock.
    private func tick() {
        if let t = timer { session.cancel(t) }
        timer = nil
        if let next = load.tick(now: Session.now()) {
            timer = session.schedule(at: next) { [weak self] in self?.tick() }
        }
    }

    private func finishIfDone() {
        guard load.isDone else { return }
        let rtt = host.node.passRTT
        headless.reporter.writeLine(load.report(cpuMicros: BenchLoad.ownCPUMicros(), extra: [
            ("rto_ms", .int(Int64(rtt.timeout.milliseconds))), ("srtt_ms", .int(Int64(rtt.smoothed ?? -1))),
        ]))
    }
}
