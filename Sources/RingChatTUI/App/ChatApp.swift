#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatSession

/// `ringchat chat`: the full-screen terminal UI, a front end of one
/// `Session`.
///
/// One thread, one poll() loop: the multicast socket, the node's timer, the
/// disk thread's completions, the signals and the keyboard are all
/// descriptors or timers of the session's loop, so the screen never needs
/// a lock. Changes are coalesced into one draw per loop turn (a zero-delay
/// timer), and nothing wakes an idle screen but the node itself and a
/// once-a-second tick for the checkpoint's age.
public enum ChatApp {
    /// Runs until /quit, Ctrl-D or a signal; returns the exit status.
    /// `highlights`: words besides the nick that count as a mention.
    public static func run(options: HostOptions, highlights: [String] = []) -> Int32 {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            Console.error("ringchat: the chat screen needs a terminal (use --headless for pipes)")
            return 1
        }
        var options = options
        options.searchIndex = true   // `/search`
        return Session.run(options: options) { [options] in ChatFrontEnd(options: options, host: $0.host, highlights: highlights) }
    }
}

/// The wiring of one run: terminal and controller on the session's loop.
final class ChatFrontEnd: SessionFrontEnd {
    let options: HostOptions
    let host: NodeHost
    let terminal = Terminal()
    let controller: ChatController
    private unowned var session: Session!
    private var drawTimer: Session.Timer?
    private var terminalStarted = false

    init(options: HostOptions, host: NodeHost, highlights: [String]) {
        self.options = options
        self.host = host
        controller = ChatController(backend: host, nick: options.nick, faults: options.faults,
                                    key: options.groupKey?.fingerprint,
                                    utcOffsetSeconds: LocalTime.utcOffsetSeconds(),
                                    highlights: highlights, checkpointEvery: options.checkpointEvery,
                                    monotonic: Session.now, wall: LocalTime.nowMilliseconds)
        controller.latency = LatencyProbe.fromEnvironment()
    }

    // SIGWINCH too: ncurses' own handler only sets a flag, which the loop
    // (asleep in poll()) would not look at until the next key.
    var signals: [Int32] { [SIGWINCH] }

    func started(_ session: Session) throws {
        self.session = session
        try terminal.start()
        terminalStarted = true
        let place = "\(options.group):\(options.port) on \(host.interfaceAddress ?? options.interface)"
        controller.system("welcome to RingChat, \(options.nick) (group \(place))")
        controller.system("your history is kept in \(host.stateDirectory.path)")
        controller.system(WhoView.keyLine(options.groupKey?.fingerprint))
        controller.system("/help lists the commands; F2 checkpoint, F3 the token's full log, F9 simulated crash, Ctrl-D quits")
        controller.onChange = { [unowned self] in self.scheduleDraw() }
        controller.onBell = { [unowned self] in self.terminal.bell() }
        session.watch(fd: terminal.inputFD) { [unowned self] in self.keysReady() }
        scheduleTick()
        draw()
    }

    func handle(_ event: HostEvent) { controller.handle(event) }

    func stopping(_ session: Session) {
        guard terminalStarted else { return }
        session.unwatch(fd: terminal.inputFD)
        // The final checkpoint waits for the disk: say so while it does.
        if controller.exitMessage == nil {
            controller.system("leaving: writing a final checkpoint…", dim: false)
            draw()
        }
    }

    func stopped(_ session: Session, finalCheckpoint: UInt64?) -> Int32 {
        guard terminalStarted else {
            if let r = session.stopReason { Console.error("ringchat: \(r)") }
            return 1
        }
        terminal.stop()
        var status: Int32 = session.failed ? 1 : 0
        if let s = controller.exitStatus { status = s }
        if let m = controller.exitMessage { Console.error(m) }
        if session.failed, let r = session.stopReason { Console.error("ringchat: event loop failed: \(r)") }
        if status == 0 {
            let cp = finalCheckpoint.map { "checkpoint #\($0) " } ?? ""
            Console.out("ringchat: left the group; \(cp)saved in \(host.stateDirectory.path)\n")
        }
        return status
    }

    // MARK: loop handlers

    private func keysReady() {
        let t = Session.now()
        let keys = terminal.readKeys()
        if keys.isEmpty && inputHungUp() {
            // The terminal went away without a SIGHUP: poll() would report
            // the descriptor forever and spin the loop.
            session.unwatch(fd: terminal.inputFD)
            session.stop()
            return
        }
        controller.paneSize = terminal.paneSize
        if !keys.isEmpty { controller.latency?.keysRead(at: t) }
        controller.handle(keys: keys, at: t)
        if controller.exitStatus != nil { session.stop() }
    }

    private func inputHungUp() -> Bool {
        var p = pollfd(fd: terminal.inputFD, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        return p.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    func signalled(_ sig: Int32) {
        if sig == SIGWINCH {
            // Queues KEY_RESIZE; read it now rather than at the next key.
            terminal.resizeFromTTY()
            keysReady()
        }
    }

    private func scheduleTick() {
        session.schedule(at: Session.now() + .seconds(1)) { [unowned self] in
            self.controller.tick()
            self.scheduleTick()
        }
    }

    /// One draw at the start of the next loop turn, however many changes
    /// this turn made.
    private func scheduleDraw() {
        guard drawTimer == nil else { return }
        drawTimer = session.schedule(at: Session.now()) { [unowned self] in
            self.drawTimer = nil
            self.draw()
        }
    }

    private func draw() {
        controller.paneSize = terminal.paneSize
        if controller.repaintAll { terminal.resized() }
        let f = controller.frame()
        terminal.draw(paneRows: f.paneRows, status: f.status, input: f.input, prompt: f.prompt)
        controller.didDraw()
        controller.latency?.drawn(at: Session.now())
    }
}
