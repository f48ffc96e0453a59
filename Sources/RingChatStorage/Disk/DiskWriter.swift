#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO

/// The only thread that touches the replica and checkpoint files, so that
/// the event loop never waits for a disk: the loop enqueues, this thread
/// writes and fsyncs.
///
/// Replica lines are written as they arrive and fsynced at most every
/// `syncInterval` (group commit), and always before a checkpoint is written,
/// so a durable checkpoint never covers replica lines that are not.
///
/// `@unchecked Sendable`: the queue and stats are only touched under
/// `monitor`; the file descriptor and sync bookkeeping only on the writer
/// thread.
public final class DiskWriter: @unchecked Sendable {
    /// What the writer has done so far.
    public struct Stats: Sendable, Equatable {
        /// Messages written to the replica file.
        public var appended = 0
        /// Messages known durable (covered by a completed replica fsync).
        public var durable = 0
        /// Every fsync: replica, checkpoint temp file, directory.
        public var fsyncs = 0
        public var replicaFsyncs = 0
        public var checkpointsWritten = 0
        public var fsyncTotalMicros: Int64 = 0
        public var fsyncMaxMicros: Int64 = 0
        /// Time to write the last checkpoint, and the longest (fsyncs of
        /// the replica before it included).
        public var checkpointLastMicros: Int64 = 0
        public var checkpointMaxMicros: Int64 = 0
        /// Failed writes or syncs; the last one is in `lastError`.
        public var errors = 0
        public var lastError: String?

        public init() {}
    }

    public let replicaPath: String
    public let checkpoints: CheckpointStore
    public let syncInterval: Duration

    private enum Work {
        case append([ChatMessage])
        case checkpoint(Checkpoint, @Sendable (Result<Void, any Error>) -> Void)
        case flush(UInt64)
    }

    // Shared state, guarded by `monitor`.
    private let monitor = Monitor()
    private var queue: [Work] = []
    private var closing = false
    private var flushTicket: UInt64 = 0
    private var flushedTicket: UInt64 = 0
    private var sharedStats = Stats()
    /// Messages queued for the replica and not yet written.
    private var backlogCount = 0
    private var overHighWater = false
    /// Called on the writer thread when the backlog, after passing
    /// `highWater`, is back under `lowWater` (the host resumes catching up).
    public var onDrained: (@Sendable () -> Void)?
    public static let highWater = 4_096
    public static let lowWater = 1_024
    /// Lines queued since the thread last took work, when the oldest was
    /// queued, and whether something other than lines waits: the thread
    /// lingers up to `linger` for more lines (a few at a time cost a wake-up,
    /// a write() and an index transaction each: at one line per datagram
    /// that was most of a node's disk CPU). Durability is unchanged: lines
    /// are fsynced every `syncInterval` (200 ms) either way.
    private var queuedLines = 0
    private var firstQueuedNanos: Int64 = 0
    private var urgent = false
    static let linger: Duration = .milliseconds(1)
    static let lingerLines = 512

    // Writer-thread state.
    private let fd: Int32
    private var fileSize: off_t
    /// Where the replica ends (lines, bytes, hash of the last line), for the
    /// index and for stamping checkpoints; `positionKnown` turns false when
    /// an append fails (the node then holds lines the file does not).
    private var position: ReplicaIndex.Position
    private var positionKnown = true
    private var index: ReplicaIndex?
    /// Lines written but not yet in the index: committed once `indexLines`
    /// wait or the oldest has waited `indexDelay`, and before a flush, a
    /// checkpoint or the close. A transaction is a WAL commit of a few
    /// pages: one per batch of work was most of what was left of SQLite's
    /// share of a node's CPU once rows were runs. The store lags the file
    /// by these lines as it lags it by the queue (the core merges its cache
    /// with what the store returns).
    private var pendingRows: [(location: ReplicaIndex.Location, message: ChatMessage)] = []
    private var pendingSinceNanos: Int64 = 0
    static let indexLines = 1_024
    static let indexDelay: Duration = .milliseconds(10)
    private var unsynced = 0          // messages written since the last fsync
    private var lastSyncNanos: Int64 = 0
    private var thread: pthread_t?

    /// Opens (creating if needed) the replica for appending and starts the
    /// thread. Load the replica with `ReplicaFile.load` first: it cuts a torn
    /// last line that appends must not follow.
    public convenience init(replicaPath: String, checkpoints: CheckpointStore,
                            syncInterval: Duration = .milliseconds(200)) throws(SystemError) {
        try self.init(replicaPath: replicaPath, checkpoints: checkpoints, syncInterval: syncInterval, start: nil, index: nil)
    }

    /// The writer of a state directory opened as a node's start opens it
    /// (the index caught up with the replica and kept current by the
    /// writer thread), without restoring a node: the micro-benchmarks in
    /// Benchmarks/ append through the real path with it.
    public convenience init(directory dir: StateDirectory, syncInterval: Duration = .milliseconds(200)) throws(SystemError) {
        let opening = ReplicaOpening.prepare(dir, checkpoint: nil, capacity: MessageLog.defaultCapacity)
        try self.init(replicaPath: dir.replicaPath, checkpoints: CheckpointStore(directory: dir.path),
                      syncInterval: syncInterval, start: opening.end, index: opening.index)
    }

    /// `start` is where the replica ends as `ReplicaOpening` found it (nil:
    /// unknown, checkpoints then carry no replica position); `index` is
    /// handed over to the writer thread, which keeps it current.
    package init(replicaPath: String, checkpoints: CheckpointStore, syncInterval: Duration,
         start: ReplicaIndex.Position?, index: ReplicaIndex?) throws(SystemError) {
        self.replicaPath = replicaPath
        self.checkpoints = checkpoints
        self.syncInterval = syncInterval
        self.position = start ?? .empty
        self.positionKnown = start != nil
        self.index = index
        fd = open(replicaPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("open", context: replicaPath) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = SystemError("fstat", context: replicaPath)
            Glibc.close(fd)
            throw e
        }
        fileSize = st.st_size
        if position.bytes != Int(fileSize) { positionKnown = false }

        switch WorkerThread.start({ [self] in threadMain() }) {
        case .success(let tid): thread = tid
        case .failure(let e):
            Glibc.close(fd)
            throw e
        }
    }

    // MARK: loop-side API (any thread)

    /// Queues messages for the replica; returns at once.
    /// Returns true when the backlog is now above `highWater`: `onDrained`
    /// follows once it is under `lowWater` again.
    @discardableResult
    public func appendReplica(_ messages: [ChatMessage]) -> Bool {
        guard !messages.isEmpty else { return false }
        let over = monitor.withLock { () -> Bool in
            backlogCount += messages.count
            if backlogCount > Self.highWater { overHighWater = true }
            return overHighWater
        }
        enqueue(.append(messages))
        return over
    }

    /// Messages queued and not yet written: above `highWater` the host
    /// stops asking peers for history until `onDrained`.
    public var backlog: Int { monitor.withLock { backlogCount } }

    /// Queues a checkpoint. It is written after every message queued before
    /// it is written and fsynced. `completion` runs on the writer thread;
    /// hop to the loop with `EventLoop.post`.
    public func writeCheckpoint(_ cp: Checkpoint, completion: @escaping @Sendable (Result<Void, any Error>) -> Void) {
        enqueue(.checkpoint(cp, completion))
    }

    /// Blocks until everything queued so far is written and fsynced. For
    /// shutdown and simulated crashes, not for the loop's normal path.
    public func flush() {
        monitor.withLock {
            // Once closing, no new work is taken; the thread's exit marks
            // everything flushed.
            if closing {
                while flushedTicket < flushTicket { monitor.wait() }
                return
            }
            flushTicket += 1
            let mine = flushTicket
            queue.append(.flush(mine))
            urgent = true
            monitor.broadcast()
            while flushedTicket < mine { monitor.wait() }
        }
    }

    /// Flushes, stops the thread and closes the file. Idempotent. The thread
    /// keeps the writer alive until this is called.
    public func close() {
        let tid: pthread_t? = monitor.withLock {
            if closing { return nil }
            flushTicket += 1
            queue.append(.flush(flushTicket))
            closing = true
            monitor.broadcast()
            defer { thread = nil }
            return thread
        }
        if let tid { pthread_join(tid, nil) }
    }

    public var stats: Stats { monitor.withLock { sharedStats } }

    private func enqueue(_ w: Work) {
        let accepted = monitor.withLock { () -> Bool in
            if closing { return false }
            let wasEmpty = queue.isEmpty
            if wasEmpty { firstQueuedNanos = nowNanos() }
            queue.append(w)
            if case .append(let ms) = w { queuedLines += ms.count } else { urgent = true }
            // A lingering thread wakes at its deadline: no signal per line.
            if wasEmpty || urgent || queuedLines >= Self.lingerLines { monitor.broadcast() }
            return true
        }
        if !accepted {
            recordError("disk writer is closed: work dropped")
            // Outside the lock: a completion may read `stats`.
            if case .checkpoint(_, let done) = w { done(.failure(SystemError("write", code: EBADF, context: "disk writer closed"))) }
        }
    }

    // MARK: writer thread

    private func threadMain() {
        while true {
            let (batch, stop) = takeBatch()
            // Consecutive appends become one write(): under load the loop
            // queues one per delivered packet.
            var lines: [ChatMessage] = []
            for w in batch {
                if case .append(let ms) = w { lines += ms; continue }
                if !lines.isEmpty { process(.append(lines)); lines = [] }
                process(w)
            }
            if !lines.isEmpty { process(.append(lines)) }
            if pendingRows.count >= Self.indexLines || nowNanos() - pendingSinceNanos >= Self.indexDelay.nanoseconds || stop {
                indexPending()
            }
            if unsynced > 0, nowNanos() - lastSyncNanos >= syncInterval.nanoseconds {
                _ = syncReplica()
            }
            if stop && batch.isEmpty {
                if unsynced > 0 { _ = syncReplica() }
                Glibc.close(fd)
                index?.close()
                index = nil
                monitor.withLock {
                    flushedTicket = flushTicket
                    monitor.broadcast()
                }
                return
            }
        }
    }

    /// Waits for work, or for the pending group-commit deadline.
    private func takeBatch() -> ([Work], Bool) {
        monitor.withLock {
            while queue.isEmpty && !closing {
                var deadline: Int64?
                if unsynced > 0 { deadline = lastSyncNanos + syncInterval.nanoseconds }
                if !pendingRows.isEmpty { deadline = min(deadline ?? .max, pendingSinceNanos + Self.indexDelay.nanoseconds) }
                guard let deadline else {
                    monitor.wait()
                    continue
                }
                if nowNanos() >= deadline { break }
                monitor.wait(untilMonotonicNanos: deadline)
            }
            while !queue.isEmpty, !closing, !urgent, queuedLines < Self.lingerLines {
                let deadline = firstQueuedNanos + Self.linger.nanoseconds
                if nowNanos() >= deadline { break }
                monitor.wait(untilMonotonicNanos: deadline)
            }
            let b = queue
            queue = []
            queuedLines = 0
            urgent = false
            return (b, closing)
        }
    }

    private func process(_ w: Work) {
        switch w {
        case .append(let messages):
            var bytes: [UInt8] = []
            bytes.reserveCapacity(messages.count * 200)
            var rows: [(location: ReplicaIndex.Location, message: ChatMessage)] = []
            rows.reserveCapacity(messages.count)
            var lastStart = 0
            for m in messages {
                lastStart = bytes.count
                ReplicaLineCodec.append(m, to: &bytes)
                rows.append((ReplicaIndex.Location(offset: Int(fileSize) + lastStart, length: bytes.count - lastStart), m))
            }
            do throws(SystemError) {
                try FileIO.writeAll(fd, bytes, path: replicaPath)
                fileSize += off_t(bytes.count)
                unsynced += messages.count
                position.lines += messages.count
                position.bytes = Int(fileSize)
                position.tail = bytes[lastStart...].withUnsafeBufferPointer { var h = FNV1a(); h.add($0); return h.value }
                monitor.withLock { sharedStats.appended += messages.count }
                if pendingRows.isEmpty { pendingSinceNanos = nowNanos() }
                pendingRows += rows
                drained(messages.count)
            } catch {
                // Cut a partial write so the next line starts clean rather
                // than leaving garbage in the middle of the replica.
                _ = ftruncate(fd, fileSize)
                positionKnown = false
                recordError("replica append of \(messages.count) messages lost: \(error)")
                drained(messages.count)
            }
        case .checkpoint(var cp, let done):
            let t0 = nowNanos()
            indexPending()
            if unsynced > 0, let e = syncReplica() {
                done(.failure(e))
                return
            }
            // The core counts the lines; the byte position is known here.
            if positionKnown, position.lines == cp.replicaCount {
                cp.replicaBytes = position.bytes
                cp.replicaTail = position.lines == 0 ? nil : FileIO.hex16(position.tail)
            }
            do {
                try checkpoints.write(cp, sync: measuredSync)
                let us = (nowNanos() - t0) / 1000
                monitor.withLock {
                    sharedStats.checkpointsWritten += 1
                    sharedStats.checkpointLastMicros = us
                    sharedStats.checkpointMaxMicros = max(sharedStats.checkpointMaxMicros, us)
                }
                done(.success(()))
            } catch {
                recordError("checkpoint #\(cp.number) not written: \(error)")
                done(.failure(error))
            }
        case .flush(let ticket):
            indexPending()
            if unsynced > 0 { _ = syncReplica() }
            monitor.withLock {
                flushedTicket = max(flushedTicket, ticket)
                monitor.broadcast()
            }
        }
    }

    private func drained(_ n: Int) {
        let resume = monitor.withLock { () -> Bool in
            backlogCount -= n
            guard overHighWater, backlogCount <= Self.lowWater else { return false }
            overHighWater = false
            return true
        }
        if resume { onDrained?() }
    }

    /// Adds the lines written since the last call to the index; on failure
    /// the index is dropped (the next start rebuilds it) and the node
    /// carries on without it.
    private func indexPending() {
        guard !pendingRows.isEmpty else { return }
        defer { pendingRows.removeAll(keepingCapacity: true) }
        guard let idx = index, positionKnown else { return }
        do throws(SQLiteError) { try idx.append(pendingRows, position: position) } catch {
            idx.close()
            index = nil
            recordError("\(StateDirectory.indexFile) not updated, dropped until the next start: \(error)")
        }
    }

    /// fsyncs the replica; returns the error if it failed.
    private func syncReplica() -> SystemError? {
        let n = unsynced
        do throws(SystemError) {
            try measuredSync(fd, replicaPath)
            unsynced = 0
            lastSyncNanos = nowNanos()
            monitor.withLock {
                sharedStats.replicaFsyncs += 1
                sharedStats.durable += n
            }
            return nil
        } catch {
            // Retry on the next interval rather than spinning.
            lastSyncNanos = nowNanos()
            recordError("replica fsync failed: \(error)")
            return error
        }
    }

    private func measuredSync(_ fd: Int32, _ path: String) throws(SystemError) {
        let t0 = nowNanos()
        let rc = Glibc.fsync(fd)
        let e = errno
        let us = (nowNanos() - t0) / 1000
        monitor.withLock {
            sharedStats.fsyncs += 1
            sharedStats.fsyncTotalMicros += us
            sharedStats.fsyncMaxMicros = max(sharedStats.fsyncMaxMicros, us)
        }
        if rc != 0 { throw SystemError("fsync", code: e, context: path) }
    }

    private func recordError(_ message: String) {
        monitor.withLock {
            sharedStats.errors += 1
            sharedStats.lastError = message
        }
    }

    private func nowNanos() -> Int64 { SystemClock.monotonicNow().nanoseconds }
}
