#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore

/// Runs one node without a screen until a signal: `ringchat server` (a
/// human-readable log, stdin ignored) and `ringchat chat --headless` (JSON
/// Lines out, one message or command per stdin line in).
///
/// SIGINT, SIGTERM and SIGHUP end it cleanly: a final checkpoint, made
/// durable, then exit status 0. SIGUSR1 takes a checkpoint. Stdin at EOF
/// leaves the node in the group until a signal.
public final class HeadlessRunner {
    public let options: HostOptions
    public let reporter: EventReporter
    public let readStdin: Bool
    /// Stdout's queue, when the runner writes there itself.
    private let output: OutputQueue?
    /// Set: the peer generates the `ringchat bench` load and prints one
    /// `bench` line instead of an event per delivery.
    public var bench: BenchPeerOptions?
    private var benchPeer: BenchPeer?

    private var host: NodeHost?
    private var loop: EventLoop?
    private var splitter = LineSplitter()
    private var stopReason = "stopped"
    private var exitStatus: Int32 = 0

    /// `write` receives every output line. By default they go to stdout
    /// through an `OutputQueue`: a reader that stops reading costs events,
    /// never the loop.
    public init(options: HostOptions, style: EventReporter.Style, readStdin: Bool,
                write: ((String) -> Void)? = nil) {
        self.options = options
        if let write {
            output = nil
            reporter = EventReporter(style: style, write: write)
        } else {
            // RINGCHAT_OUTPUT_QUEUE_BYTES: a smaller queue, for tests of a stuck reader.
            let capacity = getenv("RINGCHAT_OUTPUT_QUEUE_BYTES").flatMap { Int(String(cString: $0)) } ?? OutputQueue.defaultCapacity
            let q = OutputQueue(capacity: max(1, capacity), sink: { HeadlessRunner.writeStdout($0) })
            q.dropNotice = { EventReporter.droppedNotice(style, count: $0) }
            output = q
            reporter = EventReporter(style: style, write: q.enqueue)
        }
        self.readStdin = readStdin
    }

    /// Runs until a signal (or `/quit`); returns the exit status.
    public func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        let loop: EventLoop
        let host: NodeHost
        do {
            loop = try EventLoop()
            host = try NodeHost(options: options, loop: loop)
        } catch {
            Self.writeStderr("ringchat: \(error)\n")
            return 1
        }
        self.loop = loop
        self.host = host
        // `started` comes first in the output: hold the restore's events
        // until the node exists and can be named.
        var early: [HostEvent] = []
        host.onEvent = { e in early.append(e) }
        loop.handleSignals([SIGINT, SIGTERM, SIGHUP, SIGUSR1])
        loop.onSignal = { [unowned self] sig in self.signalled(sig) }
        do {
            try host.start()
        } catch {
            Self.writeStderr("ringchat: cannot start: \(error)\n")
            reporter.error("cannot start: \(error)")
            output?.close(timeout: .seconds(2))
            return 1
        }
        reporter.started(host)
        for e in early { reporter.report(e, host: host) }
        if let b = bench {
            let peer = BenchPeer(options: b, host: host, loop: loop, write: reporter.writeLine)
            benchPeer = peer
            // RINGCHAT_BENCH_EVENTS=1 also writes every event (to debug a run).
            if getenv("RINGCHAT_BENCH_EVENTS") != nil {
                host.onEvent = { [unowned self, unowned host] e in
                    peer.handle(e)
                    switch e {
                    case .delivered, .status: return
                    case .token(let t):
                        switch t {
                        case .lost, .successorSilent, .regenerated, .ringChanged: break
                        default: return
                        }
                    default: break
                    }
                    self.reporter.report(e, host: host)
                }
            } else {
                host.onEvent = { e in peer.handle(e) }
            }
        } else {
            host.onEvent = { [unowned self, unowned host] e in self.reporter.report(e, host: host) }
        }
        if readStdin {
            loop.register(fd: STDIN_FILENO) { [unowned self] in self.readInput() }
        }
        do {
            try loop.run()
        } catch {
            reporter.error("event loop failed: \(error)")
            stopReason = "event loop failed"
            exitStatus = 1
        }
        if readStdin { loop.unregister(fd: STDIN_FILENO) }
        host.shutdown()
        reporter.stopped(reason: stopReason)
        loop.restoreSignals()
        // A reader that stopped reading must not keep us from exiting.
        output?.close(timeout: .seconds(2))
        return exitStatus
    }

    private func signalled(_ sig: Int32) {
        switch sig {
        case SIGUSR1:
            host?.checkpoint()
        default:
            stopReason = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "signal \(sig)"
            loop?.stop()
        }
    }

    private func readInput() {
        var buf = [UInt8](repeating: 0, count: 64 << 10)
        // poll() said readable: one read() does not block.
        let n = buf.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
        if n < 0 && (errno == EINTR || errno == EAGAIN) { return }
        if n <= 0 {
            loop?.unregister(fd: STDIN_FILENO)
            if let last = splitter.finish() { command(last) }
            reporter.note(n == 0 ? "stdin closed: staying in the group until SIGTERM"
                                 : "stdin failed (\(errnoText(errno))): staying in the group until SIGTERM")
            return
        }
        for line in splitter.feed(buf[0..<n]) { command(line) }
    }

    private func command(_ line: String) {
        guard let host, host.isRunning else { return }
        switch HeadlessCommand.parse(line) {
        case .say(let text): host.type(text)
        case .action(let text): host.type(text, kind: .action)
        case .checkpoint: host.checkpoint()
        case .crash:
            do {
                try host.simulateCrash()
            } catch {
                reporter.error("restart after the simulated crash failed: \(error)")
                stopReason = "restart failed"
                exitStatus = 1
                loop?.stop()
            }
        case .stats: reporter.stats(host.stats)
        case .nick(let n): host.setNick(n)
        case .quit:
            stopReason = "quit"
            loop?.stop()
        case .ignore: break
        case .unknown(let why): reporter.error(why)
        }
    }

    // MARK: output

    /// Writes all of `s` to stdout, retrying short writes (a line is never
    /// interleaved or split).
    public static func writeStdout(_ s: String) { writeAll(STDOUT_FILENO, s) }
    public static func writeStderr(_ s: String) { writeAll(STDERR_FILENO, s) }

    static func writeAll(_ fd: Int32, _ s: String) {
        var bytes = Array(s.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, 1000)
                    continue
                }
                return   // stdout gone (EPIPE): nothing sensible left to do
            }
            done += n
        }
    }
}
