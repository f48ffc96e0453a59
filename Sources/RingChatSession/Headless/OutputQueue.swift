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
/// At most `capacity` bytes wait. When a line does not fit, the oldest
/// waiting lines are dropped and, before the next line written, one notice
/// says how many (its text comes from `dropNotice`). Only events are lost
/// this way: the replica is written by the `DiskWriter`, never here.
///
/// `@unchecked Sendable`: every field but the sink is guarded by `monitor`.
public final class OutputQueue: @unchecked Sendable {
    public static let defaultCapacity = 4 << 20

    public let capacity: Int
    /// Formats the notice for `n` dropped lines.
    public var dropNotice: @Sendable (Int) -> String = { "\($0) output lines dropped: the reader is too slow\n" }

    private let sink: @Sendable (String) -> Void
    private let monitor = Monitor()
    private var waiting: [String] = []
    private var head = 0
    private var bytes = 0
    private var droppedSinceNotice = 0
    private var droppedTotal = 0
    private var closing = false
    private var busy = false
    private var thread: pthread_t?

    /// `sink` does the blocking write of one batch of text.
    public init(capacity: Int = OutputQueue.defaultCapacity, sink: @escaping @Sendable (String) -> Void) {
        self.capacity = capacity
        self.sink = sink
        var tid = pthread_t()
        let box = Unmanaged.passRetained(self)
        let rc = pthread_create(&tid, nil, { arg in
            let q = Unmanaged<OutputQueue>.fromOpaque(arg!).takeRetainedValue()
            q.run()
            return nil
        }, box.toOpaque())
        if rc == 0 { thread = tid } else { box.release() }
    }

    /// Lines dropped so far because the reader fell behind.
    public var dropped: Int { monitor.withLock { droppedTotal } }

    /// Queues `line` (never blocks).
    public func enqueue(_ line: String) {
        let size = line.utf8.count
        monitor.withLock {
            while bytes + size > capacity, head < waiting.count {
                bytes -= waiting[head].utf8.count
                waiting[head] = ""
                head += 1
                droppedSinceNotice += 1
                droppedTotal += 1
            }
            waiting.append(line)
            bytes += size
            monitor.broadcast()
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
            if notice > 0 { sink(dropNotice(notice)) }
            sink(batch.joined())
            monitor.withLock {
                busy = false
                monitor.broadcast()
            }
        }
    }

    /// Takes every waiting line and the count dropped before them; nil once
    /// closing with nothing left.
    private func next() -> ([String], Int)? {
        monitor.withLock {
            while head == waiting.count && !closing { monitor.wait() }
            if head == waiting.count { return nil }
            let out = Array(waiting[head...])
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
