#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import Synchronization

/// A single-threaded poll() loop: readable descriptors, one-shot timers on
/// the monotonic clock, work posted from other threads, and signals.
///
/// Not `Sendable`: use it on the thread that runs `run()` (or before it
/// starts). Handlers run on that thread, one at a time, so the state they
/// touch needs no locks. Other threads get `handle` (post, wake, stop).
public final class EventLoop {
    /// Identifies a scheduled timer, for `cancel`.
    public struct TimerID: Hashable, Sendable {
        fileprivate let raw: UInt64
    }

    /// The thread-safe side of this loop.
    public let handle: LoopHandle

    /// Called on the loop thread with a signal number registered through
    /// `handleSignals`.
    public var onSignal: ((Int32) -> Void)?

    private var readers: [Int32: () -> Void] = [:] {
        didSet { pollSetStale = true }
    }
    private var pollSet: [pollfd] = []
    private var pollSetStale = true
    private var timers: [UInt64: (deadline: Instant, order: UInt64, action: () -> Void)] = [:]
    private var nextTimerID: UInt64 = 1
    private var handledSignals: [Int32] = []

    public init() throws(SystemError) {
        handle = try LoopHandle()
    }

    deinit {
        restoreSignals()
    }

    // MARK: descriptors

    /// Calls `handler` on the loop thread whenever `fd` is readable (or has
    /// an error or hang-up, so that the handler sees it via read/recv).
    /// Replaces any earlier handler for `fd`.
    public func register(fd: Int32, handler: @escaping () -> Void) {
        precondition(fd >= 0, "register(fd:) needs an open descriptor")
        readers[fd] = handler
    }

    public func unregister(fd: Int32) {
        readers[fd] = nil
    }

    /// The pollfd array, rebuilt only when the registered set changes.
    private func rebuildPollSet() {
        pollSet = [pollfd(fd: handle.pipeRead, events: Int16(POLLIN), revents: 0)]
        for fd in readers.keys.sorted() {
            pollSet.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
        }
        pollSetStale = false
    }

    // MARK: timers

    /// Runs `action` once on the loop thread at or after `deadline`.
    /// Timers due at the same instant run in the order they were scheduled.
    @discardableResult
    public func schedule(at deadline: Instant, _ action: @escaping () -> Void) -> TimerID {
        let id = nextTimerID
        nextTimerID += 1
        timers[id] = (deadline, id, action)
        return TimerID(raw: id)
    }

    /// Cancels a timer that has not fired yet; a no-op otherwise.
    public func cancel(_ timer: TimerID) {
        timers[timer.raw] = nil
    }

    /// The earliest pending timer deadline.
    public var nextDeadline: Instant? {
        timers.values.min { ($0.deadline, $0.order) < ($1.deadline, $1.order) }?.deadline
    }

    // MARK: cross-thread (conveniences for the loop thread)

    /// `handle.post`: queue work for a later loop turn.
    public func post(_ work: @escaping @Sendable () -> Void) { handle.post(work) }

    /// `handle.stop`: `run()` returns after the current handler.
    public func stop() { handle.stop() }

    // MARK: signals

    /// Routes these signals (e.g. SIGINT, SIGTERM) to `onSignal` on the loop
    /// thread. One loop per process owns the signals; the previous handlers
    /// are restored to the default when the loop is deallocated.
    public func handleSignals(_ signals: [Int32]) {
        signalPipeWriteFD.store(handle.pipeWrite, ordering: .sequentiallyConsistent)
        for s in signals where !handledSignals.contains(s) {
            handledSignals.append(s)
            signal(s, signalToPipe)
        }
    }

    /// Gives the signals back to their default action.
    public func restoreSignals() {
        for s in handledSignals { signal(s, SIG_DFL) }
        handledSignals = []
        _ = signalPipeWriteFD.compareExchange(expected: handle.pipeWrite, desired: -1, ordering: .sequentiallyConsistent)
    }

    // MARK: running

    /// Runs until `stop()`. Throws only if poll() fails for a reason other
    /// than EINTR (which is a wake-up: SIGWINCH arrives that way).
    /// Whether `run()` is on the stack (a nested run would be a bug).
    public private(set) var isRunning = false

    public func run() throws(SystemError) {
        precondition(!isRunning, "EventLoop.run() re-entered")
        isRunning = true
        defer { isRunning = false }
        // Reset on the way out, not on the way in: a stop() that races ahead
        // of run() must still end it, and the loop may be run again later.
        defer { handle.stopped.store(false, ordering: .sequentiallyConsistent) }
        while !handle.stopped.load(ordering: .sequentiallyConsistent) {
            // Input first, then the timers that fell due: after the process
            // was descheduled for a while (a saturated machine), a timer that
            // ran before reading the socket would judge by stale news: a
            // token declared lost, or a peer dead, whose packets were
            // waiting unread. (An overdue timer makes this poll not wait.)
            if pollSetStale { rebuildPollSet() }
            var fds = pollSet
            let rc = poll(&fds, nfds_t(fds.count), pollTimeout())
            if rc < 0 {
                if errno == EINTR { continue }
                throw SystemError("poll")
            }
            if fds[0].revents != 0 { drainPipe() }
            for p in fds.dropFirst() where p.revents != 0 {
                if handle.stopped.load(ordering: .sequentiallyConsistent) { break }
                // A descriptor closed while still registered would spin the
                // loop forever; drop it.
                if p.revents & Int16(POLLNVAL) != 0 {
                    readers[p.fd] = nil
                    continue
                }
                // A handler may have unregistered this fd meanwhile.
                readers[p.fd]?()
            }
            if handle.stopped.load(ordering: .sequentiallyConsistent) { break }
            runDueTimers()
        }
    }

    /// Milliseconds until the earliest timer, rounded up so that a timer
    /// never wakes the loop early and spins; -1 (forever) with no timers.
    private func pollTimeout() -> Int32 {
        guard let d = nextDeadline else { return -1 }
        let ns = (d - SystemClock.monotonicNow()).nanoseconds
        if ns <= 0 { return 0 }
        return Int32(clamping: (ns + 999_999) / 1_000_000)
    }

    private func runDueTimers() {
        let now = SystemClock.monotonicNow()
        // The common turn (a datagram, nothing due) allocates nothing.
        guard timers.values.contains(where: { $0.deadline <= now }) else { return }
        let due = timers.filter { $0.value.deadline <= now }
            .sorted { ($0.value.deadline, $0.value.order) < ($1.value.deadline, $1.value.order) }
        for (id, t) in due {
            // Cancelled by an earlier timer in this same batch?
            guard timers.removeValue(forKey: id) != nil else { continue }
            t.action()
        }
    }

    private func drainPipe() {
        let (signals, work) = handle.drain()
        for s in signals { onSignal?(s) }
        for w in work { w() }
    }
}

extension EventLoop {
    /// CLOCK_MONOTONIC as an `Instant`.
    public static func monotonicNow() -> Instant { SystemClock.monotonicNow() }

    /// Wall-clock milliseconds since the Unix epoch.
    public static func wallClockMillis() -> Int64 { SystemClock.wallClockMillis() }
}
