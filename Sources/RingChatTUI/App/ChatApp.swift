#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatRuntime

/// `ringchat chat`: the full-screen terminal UI around one `NodeHost`.
///
/// One thread, one poll() loop (the runtime's `EventLoop`): the multicast
/// socket, the node's timer, the disk thread's completions, the signals
/// and the keyboard are all descriptors or timers of the same loop, so the
/// screen never needs a lock. Changes are coalesced into one draw per loop
/// turn (a zero-delay timer), and nothing wakes an idle screen but the
/// node itself and a once-a-second tick for the checkpoint's age.
public enum ChatApp {
    /// Runs until /quit, Ctrl-D or a signal; returns the exit status.
    public static func run(options: HostOptions) -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        // A parent that blocks signals (some test runners and launchers do)
        // would leave Ctrl-C, hang-ups and resizes pending forever.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for s in [SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP, SIGCONT] { sigaddset(&wanted, s) }
        sigprocmask(SIG_UNBLOCK, &wanted, nil)
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            HeadlessRunner.writeStderr("ringchat: the chat screen needs a terminal (use --headless for pipes)\n")
            return 1
        }
        let loop: EventLoop
        let host: NodeHost
        do {
            loop = try EventLoop()
            host = try NodeHost(options: options, loop: loop)
        } catch {
            HeadlessRunner.writeStderr("ringchat: \(error)\n")
            return 1
        }
        let session = ChatSession(options: options, loop: loop, host: host)
        return session.run()
    }
}

/// The wiring of one run: loop, host, terminal and controller.
final class ChatSession {
    let options: HostOptions
    let loop: EventLoop
    let host: NodeHost
    let terminal = Terminal()
    let controller: ChatController
    private var drawTimer: EventLoop.TimerID?
    private var stopReason: String?

    init(options: HostOptions, loop: EventLoop, host: NodeHost) {
        self.options = options
        self.loop = loop
        self.host = host
        controller = ChatController(backend: host, nick: options.nick, faults: options.faults,
                                    key: options.groupKey?.fingerprint,
                                    utcOffsetSeconds: LocalTime.utcOffsetSeconds(),
                                    monotonic: EventLoop.monotonicNow, wall: LocalTime.nowMilliseconds)
        controller.latency = LatencyProbe.fromEnvironment()
    }

    func run() -> Int32 {
        host.onEvent = { [unowned controller] e in controller.handle(e) }
        do {
            try host.start()
        } catch {
            HeadlessRunner.writeStderr("ringchat: cannot start: \(error)\n")
            return 1
        }
        do {
            try terminal.start()
        } catch {
            host.shutdown()
            HeadlessRunner.writeStderr("ringchat: \(error)\n")
            return 1
        }
        let place = "\(options.group):\(options.port) on \(host.interfaceAddress ?? options.interface)"
        controller.system("ringchat: group \(place), state in \(host.stateDirectory.path)")
        controller.system(WhoView.keyLine(options.groupKey?.fingerprint))
        controller.system("/help lists the commands; F2 checkpoint, F3 full token log, F9 simulated crash, Ctrl-D quits")

        controller.onChange = { [unowned self] in self.scheduleDraw() }
        // SIGWINCH too: ncurses' own handler only sets a flag, which the
        // loop (asleep in poll()) would not look at until the next key.
        loop.handleSignals([SIGINT, SIGTERM, SIGHUP, SIGWINCH])
        loop.onSignal = { [unowned self] sig in self.signalled(sig) }
        loop.register(fd: terminal.inputFD) { [unowned self] in self.keysReady() }
        scheduleTick()
        draw()

        var status: Int32 = 0
        do {
            try loop.run()
        } catch {
            stopReason = "event loop failed: \(error)"
            status = 1
        }
        loop.unregister(fd: terminal.inputFD)
        if let s = controller.exitStatus { status = s }

        // The final checkpoint waits for the disk: say so while it does.
        if controller.exitMessage == nil {
            controller.system("leaving: writing a final checkpoint…", dim: false)
            draw()
        }
        var finalCheckpoint: UInt64?
        host.onEvent = { e in if case .checkpointWritten(let cp) = e { finalCheckpoint = cp.number } }
        host.shutdown()
        terminal.stop()
        loop.restoreSignals()
        if let m = controller.exitMessage { HeadlessRunner.writeStderr(m + "\n") }
        if let r = stopReason { HeadlessRunner.writeStderr("ringchat: \(r)\n") }
        if status == 0 {
            let cp = finalCheckpoint.map { "checkpoint #\($0) " } ?? ""
            HeadlessRunner.writeStdout("ringchat: left the group; \(cp)saved in \(host.stateDirectory.path)\n")
        }
        return status
    }

    // MARK: loop handlers

    private func keysReady() {
        let t = EventLoop.monotonicNow()
        let keys = terminal.readKeys()
        if keys.isEmpty && inputHungUp() {
            // The terminal went away without a SIGHUP: poll() would report
            // the descriptor forever and spin the loop.
            loop.unregister(fd: terminal.inputFD)
            loop.stop()
            return
        }
        controller.paneSize = terminal.paneSize
        controller.handle(keys: keys, at: t)
        if controller.exitStatus != nil { loop.stop() }
    }

    private func inputHungUp() -> Bool {
        var p = pollfd(fd: terminal.inputFD, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        return p.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0
    }

    private func signalled(_ sig: Int32) {
        switch sig {
        case SIGWINCH:
            // Queues KEY_RESIZE; read it now rather than at the next key.
            terminal.resizeFromTTY()
            keysReady()
        case SIGINT, SIGTERM, SIGHUP:
            loop.stop()
        default:
            break
        }
    }

    private func scheduleTick() {
        loop.schedule(at: EventLoop.monotonicNow() + .seconds(1)) { [unowned self] in
            self.controller.tick()
            self.scheduleTick()
        }
    }

    /// One draw at the start of the next loop turn, however many changes
    /// this turn made.
    private func scheduleDraw() {
        guard drawTimer == nil else { return }
        drawTimer = loop.schedule(at: EventLoop.monotonicNow()) { [unowned self] in
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
        controller.latency?.drawn(at: EventLoop.monotonicNow())
    }
}
