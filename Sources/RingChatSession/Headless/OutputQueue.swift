#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatIO
import RingChatStorage

/// The output lines of a headless node, written by a thread of their own,
/// so that a reader that stops reading (a full pipe) never blocks the event
/// loop: heartbeats, the token and signals go on whatever happens to stdout.
///
/// Lines come in batches (a loop turn's worth, whole lines). At most
/// `capacity` bytes wait. When a batch does not fit, the oldest waiting
/// batches are dropped and, before the next one written, one notice says
/// how many lines (its text comes from `dropNotice`). Only events are lost
/// this way: the replica is written by the `DiskWriter`, never here.
///
/// `@unchecked Sendable`: every field but the sink is guarded by `monitor`.
public final class OutputQueue: @unchecked Sendable {
    public static let defaultCapacity = 4 << 20

    public let capacity: Int
    /// Formats the notice for `n` dropped lines.
    public var dropNotice: @Sendable (Int) -> String = { "\($0) output lines dropped: the reader is too slow\n" }

    private let sink: @Sendable ([UInt8]) -> Void
    private let monitor = Monitor()
    private var waiting: [(bytes: [UInt8], lines: Int)] = []
    private var head = 0
    private var bytes = 0
    private var droppedSinceNotice = 0
    private var droppedTotal = 0
    private var closing = false
    private var busy = false
    private var thread: pthread_t?
    /// Set: a batch that fits a pipe's atomic write is written on the
    /// caller's thread when nothing waits and the descriptor has room, so
    /// that a reader gets the event without a thread hand-off (the W=1
    /// latency of a program that reads deliveries).
    private let directFD: Int32?
    /// `directFD` cannot be written without waiting (`Readiness.writeNow`).
    private var noWaitUnsupported = false

    /// `sink` does the blocking write of one batch of bytes; `directFD` is
    /// the descriptor it writes to, when writes may skip the thread.
    public init(capacity: Int = OutputQueue.defaultCapacity, directFD: Int32? = nil,
                sink: @escaping @Sendable ([UInt8]) -> Void) {
        self.capacity = capacity
        self.directFD = directFD
        self.sink = sink
        // The thread keeps the queue alive until `close()` ends it.
        thread = try? WorkerThread.start { [self] in run() }.get()
    }

    /// Lines dropped so far because the reader fell behind.
    public var dropped: Int { monitor.withLock { droppedTotal } }

    /// Queues one line (never blocks).
    public func enqueue(_ line: String) { enqueue(Array(line.utf8)) }

    /// Queues whole lines (never blocks).
    public func enqueue(_ batch: [UInt8]) {
        if let fd = directFD, writeDirect(batch, fd: fd) { return }
        // Counted only for a batch that waits (what a drop notice says).
        let size = batch.count
        var lines = 0
        for b in batch where b == 0x0A { lines += 1 }
        monitor.withLock {
            while bytes + size > capacity, head < waiting.count {
                bytes -= waiting[head].bytes.count
                droppedSinceNotice += waiting[head].lines
                droppedTotal += waiting[head].lines
                waiting[head] = ([], 0)
                head += 1
            }
            waiting.append((batch, lines))
            bytes += size
            monitor.broadcast()
        }
    }

    /// Writes `batch` at once if nothing is queued or being written before
    /// it and `fd` takes it without waiting: all of it, or on a pipe with
    /// less room what fits (`Readiness.writeNow`; the rest goes by the
    /// thread, in order). Where the descriptor cannot do that, a batch of
    /// up to PIPE_BUF bytes when poll says writable (a pipe then takes it
    /// whole without blocking). False: queue it.
    private func writeDirect(_ batch: [UInt8], fd: Int32) -> Bool {
        monitor.withLock { () -> Bool in
            guard !busy, head == waiting.count, droppedSinceNotice == 0, !closing else { return false }
            var n = 0
            if !noWaitUnsupported {
                switch batch.withUnsafeBytes({ Readiness.writeNow(fd, $0) }) {
                case .wrote(let w): n = w
                case .wouldBlock: return false
                case .unsupported: noWaitUnsupported = true
                case .failed: return false
                }
            }
            if noWaitUnsupported {
                guard batch.count <= Int(PIPE_BUF) else { return false }
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                guard poll(&p, 1, 0) == 1, p.revents & Int16(POLLOUT) != 0 else { return false }
                n = batch.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            }
            if n == batch.count { return true }
            // A short write (a pipe with less room, or not a pipe) or an
            // error: the rest goes by the thread, in order, since nothing
            // else is queued.
            waiting.append((n > 0 ? Array(batch[n...]) : batch, 1))
            bytes += batch.count - max(0, n)
            monitor.broadcast()
            return true
        }
    }

    /// Waits up to `timeout` for every queued line to be written, then stops
    /// the thread. False if the reader is stuck: the lines still waiting are
    /// abandoned (the process is about to exit; it must not hang on them).
    @discardableResult
    public func close(timeout: Duration) -> Bool {
        let deadline = Self.monotonicNanos() + timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        let done = monitor.withLock { () -> Bool in
            closing = true
            monitor.broadcast()
            while busy || head < waiting.count {
                if Self.monotonicNanos() >= deadline { return false }
                monitor.wait(untilMonotonicNanos: deadline)
            }
            return true
        }
        if done, let t = thread { pthread_join(t, nil) }
        return done
    }

    private func run() {
        while let (batch, notice) = next() {
            if notice > 0 { sink(Array(dropNotice(notice).utf8)) }
            if batch.count == 1 { sink(batch[0]) } else { sink(Array(batch.joined())) }
            monitor.withLock {
                busy = false
                monitor.broadcast()
            }
        }
    }

    /// Takes every waiting line and the count dropped before them; nil once
    /// closing with nothing left.
    private func next() -> ([[UInt8]], Int)? {
        monitor.withLock {
            while head == waiting.count && !closing { monitor.wait() }
            if head == waiting.count { return nil }
            let out = waiting[head...].map(\.bytes)
            waiting.removeAll(keepingCapacity: true)
            head = 0
            bytes = 0
            let n = droppedSinceNotice
            droppedSinceNotice = 0
            busy = true
            return (out, n)
        }
    }

    private static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
