#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatStorage

/// What a front end of a `Session` does: the TUI, the headless JSON mode,
/// the server's log and the benchmark's load generator. Every call comes on
/// the loop thread. The session owns the lifecycle; a front end only says
/// what to show and what the user asked for.
public protocol SessionFrontEnd: AnyObject {
    /// Signals the front end handles itself (SIGWINCH, SIGUSR1...), beyond
    /// SIGINT, SIGTERM and SIGHUP, which always end the session cleanly.
    var signals: [Int32] { get }
    /// The node is up: register descriptors and timers, show a banner.
    /// Throwing ends the session (status 1) after a clean shutdown.
    func started(_ session: Session) throws
    /// The node could not start (its socket, its state dir): the session
    /// has said so on stderr and will return 1.
    func failedToStart(_ error: any Error)
    /// Everything the node reports, in order (the restore's events first).
    func handle(_ event: HostEvent)
    /// One of `signals` arrived.
    func signalled(_ signal: Int32)
    /// The loop has stopped; the node is still up (the final checkpoint is
    /// about to be written): unregister descriptors, say goodbye.
    func stopping(_ session: Session)
    /// The node has left, its final checkpoint durable (nil if none was
    /// written). Returns the process's exit status.
    func stopped(_ session: Session, finalCheckpoint: UInt64?) -> Int32
}

extension SessionFrontEnd {
    public var signals: [Int32] { [] }
    public func signalled(_ signal: Int32) {}
    public func failedToStart(_ error: any Error) {}
    public func stopping(_ session: Session) {}
}

/// One running node and everything around it: the poll() loop, the
/// `NodeHost`, the signals and the shutdown, written once for every front
/// end.
///
/// `run` starts the node, hands its events to the front end, stops on
/// SIGINT/SIGTERM/SIGHUP or `stop(...)`, then leaves the ring, writes a
/// final checkpoint and waits until it is durable.
public final class Session {
    public let options: HostOptions
    public let host: NodeHost
    let loop: EventLoop
    /// Why the loop stopped, for the front end's last words; nil when the
    /// user asked (a quit, a signal).
    public private(set) var stopReason: String?
    /// Whether the session failed: the front end or the loop threw, or
    /// `stop(failure: true)`. Front ends exit 1 then.
    public private(set) var failed = false

    /// Opens the loop and prepares the host (nothing on the network yet).
    public init(options: HostOptions) throws {
        self.options = options
        // A reader that went away must cost a write error, not the process.
        signal(SIGPIPE, SIG_IGN)
        loop = try EventLoop()
        host = try NodeHost(options: options, loop: loop)
    }

    /// Opens a session and runs it with the front end `make` builds for it:
    /// the whole life of `ringchat chat`, `chat --headless`, `server` and
    /// `bench-peer`. Returns the exit status.
    public static func run(options: HostOptions, _ make: (Session) -> SessionFrontEnd) -> Int32 {
        let session: Session
        do {
            session = try Session(options: options)
        } catch {
            Console.error("ringchat: \(error)")
            return 1
        }
        return session.run(make(session))
    }

    /// Runs until a signal or `stop`; returns the front end's exit status.
    public func run(_ frontEnd: SessionFrontEnd) -> Int32 {
        // SIGTSTP and SIGCONT too: ncurses suspends and resumes on them.
        Self.unblock([SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT] + frontEnd.signals)
        // The restore's events come before `started`: hold them until the
        // front end is ready (headless prints `started` first).
        var early: [HostEvent] = []
        host.onEvent = { early.append($0) }
        do {
            try host.start()
        } catch {
            Console.error("ringchat: cannot start: \(error)")
            frontEnd.failedToStart(error)
            return 1
        }
        loop.handleSignals([SIGINT, SIGTERM, SIGHUP] + frontEnd.signals)
        loop.onSignal = { [unowned self, unowned frontEnd] sig in
            switch sig {
            case SIGINT, SIGTERM, SIGHUP: self.stop(reason: Self.name(of: sig))
            default: frontEnd.signalled(sig)
            }
        }
        var startFailure: (any Error)?
        do {
            try frontEnd.started(self)
            for e in early { frontEnd.handle(e) }
            host.onEvent = { [unowned frontEnd] e in frontEnd.handle(e) }
            try loop.run()
        } catch {
            startFailure = error
            stopReason = "\(error)"
            failed = true
        }
        frontEnd.stopping(self)
        var finalCheckpoint: UInt64?
        host.onEvent = { [unowned frontEnd] e in
            if case .checkpointWritten(let cp) = e { finalCheckpoint = cp.number }
            frontEnd.handle(e)
        }
        host.shutdown()
        loop.restoreSignals()
        let status = frontEnd.stopped(self, finalCheckpoint: finalCheckpoint)
        return startFailure == nil ? status : max(status, 1)
    }

    /// Ends the session at the end of this loop turn. `failure`: the exit
    /// status will say so.
    public func stop(reason: String? = nil, failure: Bool = false) {
        if stopReason == nil { stopReason = reason }
        failed = failed || failure
        loop.stop()
    }

    // MARK: the loop, for front ends

    /// Calls `handler` on the loop thread whenever `fd` is readable.
    public func watch(fd: Int32, _ handler: @escaping () -> Void) { loop.register(fd: fd, handler: handler) }
    public func unwatch(fd: Int32) { loop.unregister(fd: fd) }

    /// Runs `action` once on the loop thread at `deadline` (monotonic).
    public typealias Timer = EventLoop.TimerID

    @discardableResult
    public func schedule(at deadline: Instant, _ action: @escaping () -> Void) -> Timer {
        loop.schedule(at: deadline, action)
    }

    public func cancel(_ timer: Timer) { loop.cancel(timer) }

    /// The monotonic clock the node runs on.
    public static func now() -> Instant { EventLoop.monotonicNow() }
    /// Milliseconds since the epoch, for what is shown to people.
    public static func wallClockMillis() -> Int64 { EventLoop.wallClockMillis() }

    // MARK: signals

    /// A parent that blocks signals (some test runners and launchers do)
    /// would leave Ctrl-C, hang-ups and resizes pending forever.
    static func unblock(_ signals: [Int32]) {
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for s in signals { sigaddset(&wanted, s) }
        sigprocmask(SIG_UNBLOCK, &wanted, nil)
    }

    static func name(of sig: Int32) -> String {
        switch sig {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(sig)"
        }
    }
}
