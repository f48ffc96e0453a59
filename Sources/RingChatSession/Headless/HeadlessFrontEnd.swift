#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO

/// The front end without a screen: `ringchat server` (a human-readable log,
/// stdin ignored) and `ringchat chat --headless` (JSON Lines out, one
/// message or command per stdin line in).
///
/// SIGINT, SIGTERM and SIGHUP end it cleanly (the `Session`: a final
/// checkpoint, made durable, then exit status 0). SIGUSR1 takes a
/// checkpoint. Stdin at EOF leaves the node in the group until a signal.
public final class HeadlessFrontEnd: SessionFrontEnd {
    public let reporter: EventReporter
    public let readStdin: Bool
    /// Stdout's queue, when the front end writes there itself.
    private let output: OutputQueue?
    private unowned var session: Session?
    private var splitter = LineSplitter()
    private var quitting = false
    /// Stdin's read buffer, reused (a fresh 64 KB per read was zeroed each time).
    private var inputBuffer = [UInt8](repeating: 0, count: 64 << 10)
    /// How long a holder that sent waits for its program's answer before it
    /// passes the token (`lingerForAnswer`); zero: never.
    private let answerLinger: Duration
    /// Whether the program answered the last time we waited for it (or typed
    /// since): a program that only reads costs one wait per line it types.
    private var answers = true
    private var stdinOpen = true

    /// `write` receives every output line. By default they go to stdout
    /// through an `OutputQueue`: a reader that stops reading costs events,
    /// never the loop.
    public init(style: EventReporter.Style, events: EventFilter = .default, readStdin: Bool,
                write: ((String) -> Void)? = nil) {
        if let write {
            output = nil
            reporter = EventReporter(style: style, events: events, write: write)
        } else {
            // RINGCHAT_OUTPUT_QUEUE_BYTES: a smaller queue, for tests of a stuck reader.
            let capacity = getenv("RINGCHAT_OUTPUT_QUEUE_BYTES").flatMap { Int(String(cString: $0)) } ?? OutputQueue.defaultCapacity
            let q = OutputQueue(capacity: max(1, capacity), directFD: STDOUT_FILENO, sink: { Console.writeAll(STDOUT_FILENO, $0) })
            q.dropNotice = { EventReporter.droppedNotice(style, count: $0) }
            output = q
            reporter = EventReporter(style: style, events: events, sink: q.enqueue)
        }
        self.readStdin = readStdin
        // RINGCHAT_ANSWER_LINGER_US: the wait for the program's answer (0: none).
        let us = getenv("RINGCHAT_ANSWER_LINGER_US").flatMap { Int(String(cString: $0)) } ?? Self.defaultAnswerLingerMicros
        answerLinger = .microseconds(max(0, us))
    }

    /// The default of `answerLinger`: about a client's round trip through
    /// two pipes on a busy 2-core machine, well under one token rotation.
    public static let defaultAnswerLingerMicros = 100

    /// Runs one node with this front end until a signal or `/quit`;
    /// returns the exit status.
    public static func run(options: HostOptions, style: EventReporter.Style, events: EventFilter = .default,
                           readStdin: Bool) -> Int32 {
        Session.run(options: options) { _ in HeadlessFrontEnd(style: style, events: events, readStdin: readStdin) }
    }

    public var signals: [Int32] { [SIGUSR1] }

    public func started(_ session: Session) throws {
        self.session = session
        // One batch of lines per loop turn: a delivery flood costs one
        // write per turn, not one per line.
        reporter.requestFlush = { [unowned self, unowned session] in
            session.schedule(at: Session.now()) { self.reporter.flush() }
        }
        reporter.started(session.host)
        if readStdin {
            session.watch(fd: STDIN_FILENO) { [unowned self] in self.readInput() }
            if answerLinger > .zero {
                session.host.beforePass = { [unowned self] in self.lingerForAnswer() }
            }
        }
    }

    public func failedToStart(_ error: any Error) {
        reporter.error("cannot start: \(error)")
        reporter.flush()
        output?.close(timeout: .seconds(2))
    }

    public func handle(_ event: HostEvent) {
        guard let host = session?.host else { return }
        reporter.report(event, host: host)
    }

    public func signalled(_ signal: Int32) {
        if signal == SIGUSR1 { session?.host.checkpoint() }
    }

    public func stopping(_ session: Session) {
        session.host.beforePass = nil
        if readStdin { session.unwatch(fd: STDIN_FILENO) }
    }

    public func stopped(_ session: Session, finalCheckpoint: UInt64?) -> Int32 {
        // `stopped` is the last line: what this turn rendered goes first.
        reporter.requestFlush = nil
        reporter.flush()
        if session.failed, let why = session.stopReason { reporter.error(why) }
        reporter.stopped(reason: quitting ? "quit" : session.stopReason ?? "stopped")
        // A reader that stopped reading must not keep us from exiting.
        output?.close(timeout: .seconds(2))
        return session.failed ? 1 : 0
    }

    // MARK: stdin

    /// The node holds the token, sent this turn and would pass it now: the
    /// program that reads our deliveries may be about to answer them (a
    /// bot, the benchmark's client with one line in flight). Its lines are
    /// written out now and its answer awaited for up to `answerLinger`;
    /// typed here, the answer leaves in this visit instead of a rotation
    /// later, as a line typed from a delivery callback does in-process.
    private func lingerForAnswer() {
        guard answers, stdinOpen, !quitting, reporter.hasPending else { return }
        reporter.flush()
        if Readiness.waitReadable(STDIN_FILENO, timeout: answerLinger) {
            readInput(lingering: true)
        } else {
            answers = false
        }
    }

    /// `lingering`: inside the node's turn (`lingerForAnswer`), where only
    /// lines to send are taken; a command, and every line after it, waits
    /// for the end of the turn.
    private func readInput(lingering: Bool = false) {
        // poll() said readable: one read() does not block.
        let n = inputBuffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
        if n < 0 && (errno == EINTR || errno == EAGAIN) { return }
        if n <= 0 {
            stdinOpen = false
            session?.unwatch(fd: STDIN_FILENO)
            if let last = splitter.finish() { command(last) }
            reporter.note(n == 0 ? "stdin closed: staying in the group until SIGTERM"
                                 : "stdin failed (\(errnoText(errno))): staying in the group until SIGTERM")
            return
        }
        answers = true
        let lines = splitter.feed(inputBuffer[0..<n])
        // Runs of chat lines are typed in one turn of the node; a command
        // ends a run (it is carried out in order, after the lines before it).
        var run: [(text: String, kind: MessageKind, room: String)] = []
        var i = 0
        while i < lines.count {
            let c = HeadlessCommand.parse(lines[i])
            switch c {
            case .say(let t): run.append((t, .text, RoomName.lobby))
            case .action(let t): run.append((t, .action, RoomName.lobby))
            case .line(let t, let kind, let room): run.append((t, kind, room))
            case .ignore: break
            default:
                typeAll(&run)
                if lingering {
                    // Inside the node's turn: the command, and every line
                    // after it, waits for the end of the turn.
                    guard let session else { return }
                    let rest = lines[i...]
                    _ = session.schedule(at: Session.now()) { [unowned self] in for l in rest { self.command(l) } }
                    return
                }
                command(c)
            }
            i += 1
        }
        typeAll(&run)
    }

    private func typeAll(_ run: inout [(text: String, kind: MessageKind, room: String)]) {
        guard !run.isEmpty, let session, session.host.isRunning else { return run.removeAll() }
        session.host.type(lines: run)
        run.removeAll(keepingCapacity: true)
    }

    private func command(_ line: String) { command(HeadlessCommand.parse(line)) }

    private func command(_ c: HeadlessCommand) {
        guard let session, session.host.isRunning else { return }
        let host = session.host
        switch c {
        case .say(let text): host.type(text)
        case .action(let text): host.type(text, kind: .action)
        case .line(let text, let kind, let room): host.type(text, kind: kind, room: room)
        case .join(let rooms):
            for r in rooms {
                if host.join(r) {
                    reporter.joined(r, rooms: host.rooms)
                } else {
                    reporter.error("cannot join \(r): a node is in at most \(RoomName.maxAnnounced) rooms")
                }
            }
        case .part(let rooms):
            for r in rooms {
                if host.part(r) { reporter.parted(r, rooms: host.rooms) } else { reporter.error("not in \(r)") }
            }
        case .list: reporter.list(host.roomList, mine: host.rooms)
        case .msg(let nick, let text):
            if case .refused(let why) = host.sendPrivate(to: nick, text: text) { reporter.error(why) }
        case .whois(let nick): reporter.whois(nick, lines: host.whois(nick))
        case .checkpoint: host.checkpoint()
        case .crash:
            do {
                try host.simulateCrash()
            } catch {
                session.stop(reason: "restart after the simulated crash failed: \(error)", failure: true)
            }
        case .stats: reporter.stats(host.stats)
        case .nick(let n): host.setNick(n)
        case .quit:
            quitting = true
            session.stop()
        case .ignore: break
        case .unknown(let why): reporter.error(why)
        }
    }
}
