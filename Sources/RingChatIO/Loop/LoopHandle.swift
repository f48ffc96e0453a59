#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The part of an `EventLoop` that other threads may touch: post work, wake
/// the loop, stop it. Keeping it separate lets the compiler reject any other
/// cross-thread use of the loop (the loop itself is not `Sendable`).
public final class LoopHandle: Sendable {
    struct Inbox {
        var work: [@Sendable () -> Void] = []
        var wakePending = false
    }

    let inbox = Mutex(Inbox())
    let stopped = Atomic<Bool>(false)
    /// Self-pipe: byte 0 means "posted work or stop"; any other byte is a
    /// signal number written by `signalToPipe`. Owned here, not by the loop,
    /// so a handle that outlives its loop never writes to a reused fd.
    let pipeRead: Int32
    let pipeWrite: Int32

    init() throws(SystemError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SystemError("pipe") }
        // Non-blocking on both ends: a full pipe must never block a signal
        // handler or a posting thread, and draining stops at EAGAIN.
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        pipeRead = fds[0]
        pipeWrite = fds[1]
    }

    deinit {
        _ = signalPipeWriteFD.compareExchange(expected: pipeWrite, desired: -1, ordering: .sequentiallyConsistent)
        close(pipeRead)
        close(pipeWrite)
    }

    /// Queues `work` to run on the loop thread and wakes the loop.
    public func post(_ work: @escaping @Sendable () -> Void) {
        inbox.withLock { $0.work.append(work) }
        wake()
    }

    /// Interrupts a blocked poll(). Repeated calls before the loop drains
    /// cost one byte in the pipe, so it never fills.
    public func wake() {
        let needWrite = inbox.withLock { box -> Bool in
            if box.wakePending { return false }
            box.wakePending = true
            return true
        }
        if needWrite {
            var zero: UInt8 = 0
            _ = write(pipeWrite, &zero, 1)
        }
    }

    /// Makes `run()` return after the current handler (or at once if it has
    /// not started yet).
    public func stop() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        wake()
    }

    /// Loop side: empties the pipe and the inbox; returns signal numbers
    /// seen and the posted work, in posting order.
    func drain() -> (signals: [Int32], work: [@Sendable () -> Void]) {
        var buf = [UInt8](repeating: 0, count: 256)
        var signals: [Int32] = []
        while true {
            let n = buf.withUnsafeMutableBytes { read(pipeRead, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            for b in buf[0..<n] where b != 0 { signals.append(Int32(b)) }
        }
        // Clear the flag before taking the work, so a post racing with this
        // drain writes a fresh byte instead of being lost.
        let work = inbox.withLock { box -> [@Sendable () -> Void] in
            box.wakePending = false
            let w = box.work
            box.work = []
            return w
        }
        return (signals, work)
    }
}
