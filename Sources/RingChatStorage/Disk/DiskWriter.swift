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
/// A line that cannot be written (a full disk, an I/O error) is kept, in
/// order, and retried with a backoff (50 ms doubling to 500 ms); every later
/// line waits behind it, so the file ends in the order it would have had.
/// `onReport` says so at once, then at most every 10 s, and once more when
/// the lines are on disk again. What is kept is bounded
/// (`maxUnwrittenBytes`); lines beyond it are dropped and counted, and once
/// the replica is written again `onMissing` names them, for the node to
/// write them again from its cache or its peers (docs/STORAGE.md, "A full
/// disk").
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
        /// Replica lines that could not be written yet (kept and retried).
        public var unwritten = 0
        /// Replica lines dropped because more than `maxUnwrittenBytes`
        /// waited (this run; named by `onMissing` once the replica is
        /// written again, and fetched again by the node).
        public var dropped = 0
        /// Wall-clock time (ms) of the first failed replica write of the
        /// current failure; nil while the replica is written.
        public var failingSinceMillis: Int64?
        /// Wall-clock time (ms) of the first failed replica write of this
        /// writer's life (kept after it recovers).
        public var firstFailureMillis: Int64?

        public init() {}
    }

    public let replicaPath: String
    public let checkpoints: CheckpointStore
    public let syncInterval: Duration

    private enum Work {
        case append([ChatMessage])
        case checkpoint(Checkpoint, @Sendable (Result<Void, any Error>) -> Void)
        case flush(UInt64)
        /// Index every line queued before it (no fsync): `requestIndex`.
        case index(UInt64)
    }

    // Shared state, guarded by `monitor`.
    private let monitor = Monitor()
    private var queue: [Work] = []
    private var closing = false
    /// Flushes and index requests, numbered as queued; the thread carries
    /// them out in that order, so every ticket up to `doneTicket` is done.
    private var lastTicket: UInt64 = 0
    private var doneTicket: UInt64 = 0
    private var sharedStats = Stats()
    /// Work the writer thread is done with, released by the loop thread at
    /// its next append: the messages' strings were retained there (when the
    /// node handed them over) and are freed there (when its cache evicts
    /// them), and a release here as well moved their reference counts from
    /// core to core twice more per message.
    private var spent: [[Work]] = []
    private static let maxSpent = 64
    /// Messages queued for the replica and not yet written.
    private var backlogCount = 0
    private var overHighWater = false
    /// Called on the writer thread when the backlog, after passing
    /// `highWater`, is back under `lowWater` (the host resumes catching up).
    public var onDrained: (@Sendable () -> Void)?
    public static let highWater = 4_096
    public static let lowWater = 1_024
    /// Called on the writer thread when replica writes start failing (at
    /// once, then at most every `reportInterval` while they fail) and when
    /// they succeed again. Set it before queuing work.
    public var onReport: (@Sendable (ReplicaReport) -> Void)?
    /// Called on the writer thread once the lines held during a failure
    /// are written, with the lines dropped during it (by stream and
    /// counters), which the replica lacks: the host hands them to the node
    /// (`Node.Input.replicaMissing`). Set it before queuing work.
    public var onMissing: (@Sendable ([StreamRange]) -> Void)?
    static let reportInterval: Duration = .seconds(10)
    /// Lines queued since the thread last took work, when the oldest was
    /// queued, and whether something other than lines waits: the thread
    /// lingers up to `linger` for more lines (a few at a time cost a wake-up,
    /// a write() and an index transaction each: at one line per datagram
    /// that was most of a node's disk CPU). Durability is unchanged: lines
    /// are fsynced every `syncInterval` (200 ms) either way. At 1 ms and
    /// 512 lines a node at 150-200k msgs/s still woke for a batch of 250-330
    /// lines (3-4 write()s and 16-23 futex calls per 1,000 lines); at 4 ms
    /// and 1,024, 1.0-1.5 write()s and 6-9 futex calls, and the thread used
    /// 16% less CPU per line (AMD EPYC, 2 vCPUs). The queue counts in the backlog,
    /// hence in the index's lag (see `pendingRows`), and a batch of bench
    /// lines (1,024 of 242 bytes) keeps its buffer (`maxKeptBatchBytes`).
    private var queuedLines = 0
    private var firstQueuedNanos: Int64 = 0
    private var urgent = false
    static let linger: Duration = .milliseconds(4)
    static let lingerLines = 1_024

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
    /// checkpoint or the close. A transaction is a WAL commit of the pages
    /// it touches (the meta page, page 1 as the file grows, and the right
    /// edges of the table and of its two indexes: 10-14 frames at 3
    /// senders) whatever its rows: one per batch of work was most of what
    /// was left of SQLite's share of a node's CPU once rows were runs, and
    /// at 1,024 lines (a commit every 5 ms at 200k msgs/s) the frames and
    /// their autocheckpoint copies were still 22 pwrite()s and 2.8 pread()s
    /// per 1,000 lines; at 2,048, 14.5 and 2.0, and the disk thread's CPU
    /// per line 9% less (AMD EPYC, 2 vCPUs).
    ///
    /// The store lags the file by these lines as it lags it by the queue:
    /// up to the backlog (held near `highWater`) plus `indexLines`, 6,144
    /// lines, three times the core's cache (`MessageLog.defaultCapacity`).
    /// A history read does not see that lag: it asks for the queue and
    /// these rows to be indexed first (`requestIndex`), and waits on its
    /// own thread. (The cache used to hold every line the index lacked,
    /// 8,192 of them; with a quarter of that, a busy node took 4% less CPU
    /// per message, AMD EPYC.) `indexDelay` is the time 2,048 lines take
    /// at 100k msgs/s: below that rate the delay ends a transaction, and a
    /// written line waits at most 20 ms for the index (while the index can
    /// be written), so a read on the loop thread, which cannot wait, lacks
    /// lines only under a flood (docs/STORAGE.md).
    private var pendingRows: [ReplicaIndex.Row] = []
    private var pendingSinceNanos: Int64 = 0
    static let indexLines = 2_048
    static let indexDelay: Duration = .milliseconds(20)
    /// The index's WAL is truncated (`checkpoint(TRUNCATE)`) at most this
    /// often while rows are added, and whenever a replica write fails: the
    /// derived index never holds the space the replica needs.
    static let walTruncateInterval: Duration = .seconds(10)
    private var lastWalTruncateNanos: Int64 = 0
    /// Index rows waiting because the index could not be written (a full
    /// disk): retried at `indexRetryAtNanos`, up to `indexBacklogLimit`
    /// rows, then the index is dropped until the next start.
    private var indexRetryAtNanos: Int64 = 0
    private var indexFailing = false
    static let indexBacklogLimit = 65_536

    /// Lines that could not be written, oldest first, with their encoded
    /// size; retried at `retryAtNanos`. While any wait, new lines queue
    /// behind them.
    private var unwritten: [(message: ChatMessage, size: Int)] = []
    private var unwrittenHead = 0
    private var unwrittenBytes = 0
    /// At most this many bytes of lines are kept in memory while the
    /// replica cannot be written; lines beyond are dropped (and counted).
    package let maxUnwrittenBytes: Int
    public static let defaultMaxUnwrittenBytes = 16 << 20
    private var retryAtNanos: Int64 = 0
    private var retryDelayNanos: Int64 = 0
    static let firstRetry: Duration = .milliseconds(50)
    static let maxRetry: Duration = .milliseconds(500)
    /// The current failure (nil while the replica is written).
    private var failure: Failure?
    private struct Failure {
        var error: SystemError
        var sinceNanos: Int64
        var sinceWallMillis: Int64
        var lastReportNanos: Int64
    }
    /// Lines that waited, and lines dropped, since the replica was last
    /// written without failing.
    private var heldInFailure = 0
    private var droppedInFailure = 0
    /// The ids of the lines dropped since `onMissing` was last called.
    private var droppedIDs: [StreamID: RangeSet<UInt32>] = [:]
    /// When a failure was last reported (a disk at the edge of full fails
    /// and recovers in turn: at most one warning every `reportInterval`),
    /// and whether the current failure was (only then is its end said).
    private var lastFailingReportNanos: Int64?
    private var failureReported = false
    private let writeBytes: @Sendable (Int32, [UInt8], String) throws(SystemError) -> Void
    /// The bytes of the batch being written, reused from batch to batch
    /// (a fresh array per batch was a malloc, and a realloc and copy when
    /// its guess of 200 bytes a line was short), up to `maxKeptBatchBytes`.
    private var batchBytes: [UInt8] = []
    static let maxKeptBatchBytes = 1 << 20
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
    /// `writeBytes` writes the replica's bytes (a seam for tests that make
    /// the disk fail); `maxUnwrittenBytes` bounds the lines kept while it
    /// fails.
    package init(replicaPath: String, checkpoints: CheckpointStore, syncInterval: Duration,
         start: ReplicaIndex.Position?, index: ReplicaIndex?,
         maxUnwrittenBytes: Int = DiskWriter.defaultMaxUnwrittenBytes,
         writeBytes: @escaping @Sendable (Int32, [UInt8], String) throws(SystemError) -> Void = { fd, bytes, path throws(SystemError) in
             try FileIO.writeAll(fd, bytes, path: path)
         }) throws(SystemError) {
        self.replicaPath = replicaPath
        self.checkpoints = checkpoints
        self.syncInterval = syncInterval
        self.maxUnwrittenBytes = maxUnwrittenBytes
        self.writeBytes = writeBytes
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
        // Work the writer is done with, released on return, outside the
        // lock (see `spent`).
        var released: [[Work]] = []
        let over = monitor.withLock { () -> Bool in
            swap(&released, &spent)
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
                while doneTicket < lastTicket { monitor.wait() }
                return
            }
            lastTicket += 1
            let mine = lastTicket
            queue.append(.flush(mine))
            urgent = true
            monitor.broadcast()
            while doneTicket < mine { monitor.wait() }
        }
    }

    /// Asks the thread to write and index every line queued so far, at
    /// once (no linger, no fsync), and returns at once: a ticket for
    /// `waitIndexed`. A history read asks this first, so that it finds
    /// every line the node had handed over: the core's cache need not hold
    /// the lines the index lags by (`pendingRows`).
    public func requestIndex() -> UInt64 {
        monitor.withLock {
            // A closing writer indexes what it holds on its way out.
            if closing { return lastTicket }
            lastTicket += 1
            queue.append(.index(lastTicket))
            urgent = true
            monitor.broadcast()
            return lastTicket
        }
    }

    /// Blocks until the lines queued before `requestIndex` gave `ticket`
    /// are in the index, or could not be put there (a failing write or
    /// index: the read then finds what there is), or the writer has
    /// closed. For the history reader's thread, never the loop's.
    public func waitIndexed(_ ticket: UInt64) {
        monitor.withLock {
            while doneTicket < ticket { monitor.wait() }
        }
    }

    /// Flushes, stops the thread and closes the file. Idempotent. The thread
    /// keeps the writer alive until this is called.
    public func close() {
        let tid: pthread_t? = monitor.withLock {
            if closing { return nil }
            lastTicket += 1
            queue.append(.flush(lastTicket))
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
            // Lines that could not be written go first, when their retry is
            // due (or before a flush, a checkpoint or the close).
            if hasUnwritten, stop || nowNanos() >= retryAtNanos { retryUnwritten() }
            // Consecutive appends become one write(): under load the loop
            // queues one per delivered packet.
            // (Kept as the loop's arrays, not copied into one: a copy
            // retained every message's strings once more.)
            var lines: [[ChatMessage]] = []
            for w in batch {
                if case .append(let ms) = w { lines.append(ms); continue }
                if !lines.isEmpty { append(lines); lines = [] }
                process(w)
            }
            if !lines.isEmpty { append(lines) }
            // Released by the loop thread at its next append (`spent`); if
            // it has stopped appending, here, outside the lock, a bounded
            // number of batches later.
            if !batch.isEmpty {
                var stale: [[Work]] = []
                monitor.withLock {
                    spent.append(batch)
                    if spent.count > Self.maxSpent { swap(&stale, &spent) }
                }
            }
            if pendingRows.count >= Self.indexLines || nowNanos() >= indexDueNanos || stop {
                indexPending()
            }
            if unsynced > 0, nowNanos() - lastSyncNanos >= syncInterval.nanoseconds {
                _ = syncReplica()
            }
            if stop && batch.isEmpty {
                if hasUnwritten {
                    recordError("\(unwrittenCount) replica lines not written at close: \(failure.map { "\($0.error)" } ?? "unknown error") (they come back from peers at the next start)")
                }
                if unsynced > 0 { _ = syncReplica() }
                Glibc.close(fd)
                index?.close()
                index = nil
                monitor.withLock {
                    doneTicket = lastTicket
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
                if !pendingRows.isEmpty { deadline = min(deadline ?? .max, indexDueNanos) }
                if hasUnwritten { deadline = min(deadline ?? .max, retryAtNanos) }
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

    /// Writes the loop's arrays of messages, in order, as one write().
    private func append(_ messages: [[ChatMessage]]) {
        // Behind lines that wait: the file keeps the order of the queue.
        if hasUnwritten {
            hold(messages)
        } else if let e = write(messages) {
            hold(messages)
            failed(e)
        } else if failure != nil {
            recovered()   // what failed was all dropped; writes work again
        }
    }

    private func process(_ w: Work) {
        switch w {
        case .append(let messages): append([messages])
        case .checkpoint(var cp, let done):
            let t0 = nowNanos()
            // A checkpoint never covers lines that are not on disk.
            if hasUnwritten { retryUnwritten() }
            if hasUnwritten {
                let e = SystemError("write", code: failure?.error.code ?? EIO,
                                    context: "\(unwrittenCount) replica lines are not on disk yet")
                recordError("checkpoint #\(cp.number) not written: \(e)")
                done(.failure(e))
                return
            }
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
            // One more try; a flush never waits for a full disk.
            if hasUnwritten { retryUnwritten() }
            indexPending()
            if unsynced > 0 { _ = syncReplica() }
            markDone(ticket)
        case .index(let ticket):
            // The lines before it were written as the batch was taken.
            indexPending()
            markDone(ticket)
        }
    }

    private func markDone(_ ticket: UInt64) {
        monitor.withLock {
            doneTicket = max(doneTicket, ticket)
            monitor.broadcast()
        }
    }

    /// Writes `messages` at the end of the replica and queues their index
    /// rows; on failure cuts what was partly written and returns the error
    /// (nothing else changes).
    private func write(_ messages: [[ChatMessage]]) -> SystemError? {
        let firstRow = pendingRows.count
        batchBytes.removeAll(keepingCapacity: true)
        // A bench line (100 bytes of text) is 242 bytes: a batch of them
        // grows the buffer at most once.
        batchBytes.reserveCapacity(messages.reduce(0) { $0 + $1.count } * 256)
        let lastStart = Self.encode(messages, at: Int(fileSize), into: &batchBytes, rows: &pendingRows)
        let count = pendingRows.count - firstRow
        let bytes = batchBytes
        // A burst (a catch-up, a retry of held lines) does not keep its
        // buffer for the rest of the run.
        if batchBytes.capacity > Self.maxKeptBatchBytes { batchBytes = [] }
        do throws(SystemError) {
            try writeBytes(fd, bytes, replicaPath)
        } catch {
            // Cut a partial write so the next line starts clean rather
            // than leaving garbage in the middle of the replica.
            _ = ftruncate(fd, fileSize)
            pendingRows.removeSubrange(firstRow...)
            return error
        }
        fileSize += off_t(bytes.count)
        unsynced += count
        position.lines += count
        position.bytes = Int(fileSize)
        position.tail = bytes[lastStart...].withUnsafeBufferPointer { var h = FNV1a(); h.add($0); return h.value }
        monitor.withLock { sharedStats.appended += count }
        if firstRow == 0 { pendingSinceNanos = nowNanos() }
        drained(count)
        return nil
    }

    /// Appends the lines of `batches` to `bytes` and their index rows
    /// (their byte offsets counted from `offset`) to `rows`; returns where
    /// the last line starts in `bytes`. Static, with the buffers inout: one
    /// access to each for the whole batch, not one per line, and a concrete
    /// loop over the loop's arrays (a `joined()` view, generic, copied every
    /// message through its value witness).
    private static func encode(_ batches: [[ChatMessage]], at offset: Int, into bytes: inout [UInt8],
                               rows: inout [ReplicaIndex.Row]) -> Int {
        var lastStart = 0
        for batch in batches {
            // Each message borrowed where it lies: `for m in batch` copied
            // it (a retain and a release per string, 1.7% of a busy node).
            batch.withUnsafeBufferPointer { messages in
                for i in messages.indices {
                    lastStart = bytes.count
                    // The row first, and the line from the message in
                    // place: a read of it around the line's append had it
                    // copied (its strings retained) to live across it.
                    var row = ReplicaIndex.Row(ReplicaIndex.Location(offset: offset + lastStart, length: 0),
                                               id: messages[i].id, slot: messages[i].slot)
                    ReplicaLineCodec.append(at: messages.baseAddress! + i, to: &bytes)
                    row.location.length = bytes.count - lastStart
                    rows.append(row)
                }
            }
        }
        return lastStart
    }

    private var hasUnwritten: Bool { unwrittenHead < unwritten.count }
    private var unwrittenCount: Int { unwritten.count - unwrittenHead }

    /// Keeps lines that cannot be written yet, within `maxUnwrittenBytes`;
    /// the rest are dropped (the replica then has a hole, which the node
    /// fills once `onMissing` names them, or the next start).
    private func hold(_ batches: [[ChatMessage]]) {
        var scratch: [UInt8] = []
        var droppedNow = 0
        var count = 0
        for m in batches.joined() {
            count += 1
            scratch.removeAll(keepingCapacity: true)
            ReplicaLineCodec.append(m, to: &scratch)
            if unwrittenBytes + scratch.count > maxUnwrittenBytes {
                droppedNow += 1
                droppedIDs[m.id.stream, default: RangeSet()].insert(m.id.counter)
                continue
            }
            unwritten.append((m, scratch.count))
            unwrittenBytes += scratch.count
        }
        heldInFailure += count - droppedNow
        if droppedNow > 0 {
            droppedInFailure += droppedNow
            recordError("\(droppedNow) replica lines dropped: more than \(maxUnwrittenBytes) bytes wait to be written")
            drained(droppedNow)
        }
        let (n, d) = (unwrittenCount, droppedNow)
        monitor.withLock {
            sharedStats.unwritten = n
            sharedStats.dropped += d
        }
    }

    /// Writes the lines that wait, oldest first, in chunks of up to 256
    /// KiB; a chunk that fails is halved (down to one line), so that what
    /// fits in the space there is gets written; stops when one line fails.
    private func retryUnwritten() {
        var limit = 256 << 10
        while hasUnwritten {
            var end = unwrittenHead, bytes = 0
            while end < unwritten.count, end == unwrittenHead || bytes + unwritten[end].size <= limit {
                bytes += unwritten[end].size
                end += 1
            }
            if let e = write([unwritten[unwrittenHead..<end].map(\.message)]) {
                if end - unwrittenHead > 1 {
                    limit = bytes / 2
                    continue
                }
                failed(e)
                return
            }
            unwrittenHead = end
            unwrittenBytes -= bytes
            // Written lines leave memory even if the queue never empties
            // (a disk at the edge of full).
            if unwrittenHead >= 1_024, unwrittenHead * 2 >= unwritten.count {
                unwritten.removeFirst(unwrittenHead)
                unwrittenHead = 0
            }
            let n = unwrittenCount
            monitor.withLock { sharedStats.unwritten = n }
        }
        unwritten.removeAll()
        unwrittenHead = 0
        unwrittenBytes = 0
        recovered()
    }

    /// A replica write failed: retry later, free what the index's WAL
    /// holds, and say so (at once, then at most every `reportInterval`).
    private func failed(_ e: SystemError) {
        let now = nowNanos()
        recordError("replica write of \(unwrittenCount) lines failed, retrying: \(e)")
        if now - lastWalTruncateNanos >= Duration.seconds(1).nanoseconds {
            lastWalTruncateNanos = now
            index?.truncateWAL()
        }
        if var f = failure {
            f.error = e
            retryDelayNanos = min(retryDelayNanos * 2, Self.maxRetry.nanoseconds)
            retryAtNanos = now + retryDelayNanos
            if now - f.lastReportNanos >= Self.reportInterval.nanoseconds {
                f.lastReportNanos = now
                failure = f
                report(.failing, f)
            } else {
                failure = f
            }
            return
        }
        // A failure soon after another one was said waits for its turn.
        let said = lastFailingReportNanos.map { now - $0 < Self.reportInterval.nanoseconds } ?? false
        let f = Failure(error: e, sinceNanos: now, sinceWallMillis: SystemClock.wallClockMillis(),
                        lastReportNanos: said ? lastFailingReportNanos! : now)
        failure = f
        retryDelayNanos = Self.firstRetry.nanoseconds
        retryAtNanos = now + retryDelayNanos
        monitor.withLock {
            sharedStats.failingSinceMillis = f.sinceWallMillis
            if sharedStats.firstFailureMillis == nil { sharedStats.firstFailureMillis = f.sinceWallMillis }
        }
        if !said { report(.failing, f) }
    }

    /// Every line that waited is written.
    private func recovered() {
        guard let f = failure else { return }
        if failureReported { report(.recovered, f) }
        failureReported = false
        failure = nil
        heldInFailure = 0
        droppedInFailure = 0
        monitor.withLock {
            sharedStats.failingSinceMillis = nil
            sharedStats.unwritten = 0
        }
        if !droppedIDs.isEmpty {
            let missing = droppedIDs.keys.sorted().flatMap { s in droppedIDs[s]!.ranges.map { StreamRange(stream: s, counters: $0) } }
            droppedIDs = [:]
            onMissing?(missing)
        }
    }

    private func report(_ kind: ReplicaReport.Kind, _ f: Failure) {
        if kind == .failing {
            lastFailingReportNanos = nowNanos()
            failureReported = true
        }
        let dir = String(replicaPath[..<(replicaPath.lastIndex(of: "/") ?? replicaPath.startIndex)])
        onReport?(ReplicaReport(kind: kind, error: f.error, stateDir: dir.isEmpty ? "." : dir,
                                unwritten: unwrittenCount, held: heldInFailure, dropped: droppedInFailure,
                                failingSinceMillis: f.sinceWallMillis,
                                failedForMillis: (nowNanos() - f.sinceNanos) / 1_000_000,
                                maxUnwrittenBytes: maxUnwrittenBytes))
    }

    /// When the lines written but not yet indexed are due in the index.
    private var indexDueNanos: Int64 { max(pendingSinceNanos + Self.indexDelay.nanoseconds, indexRetryAtNanos) }

    private func drained(_ n: Int) {
        let resume = monitor.withLock { () -> Bool in
            backlogCount -= n
            guard overHighWater, backlogCount <= Self.lowWater else { return false }
            overHighWater = false
            return true
        }
        if resume { onDrained?() }
    }

    /// Adds the lines written since the last call to the index. When the
    /// disk is full the rows wait and are retried every second (the
    /// replica comes first; the index is derived); on any other failure,
    /// or when too many wait, the index is dropped (the next start
    /// rebuilds it) and the node carries on without it.
    private func indexPending() {
        guard !pendingRows.isEmpty else { return }
        guard let idx = index, positionKnown else {
            pendingRows.removeAll(keepingCapacity: true)
            return
        }
        let now = nowNanos()
        if now < indexRetryAtNanos { return }
        do throws(SQLiteError) {
            try idx.append(pendingRows, position: position)
            pendingRows.removeAll(keepingCapacity: true)
            indexRetryAtNanos = 0
            indexFailing = false
            if now - lastWalTruncateNanos >= Self.walTruncateInterval.nanoseconds {
                lastWalTruncateNanos = now
                idx.truncateWAL()
            }
        } catch {
            if error.isOutOfSpace, pendingRows.count < Self.indexBacklogLimit {
                indexRetryAtNanos = now + Duration.seconds(1).nanoseconds
                if !indexFailing {
                    indexFailing = true
                    recordError("\(StateDirectory.indexFile) not updated, retried every second: \(error)")
                }
                idx.truncateWAL()
                return
            }
            idx.close()
            index = nil
            pendingRows.removeAll(keepingCapacity: true)
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

/// What the disk thread tells the node about the replica: its writes fail
/// (at once, then at most every 10 s while they do), or they succeed again.
public struct ReplicaReport: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case failing, recovered }
    public var kind: Kind
    /// The last failed write.
    public var error: SystemError
    public var stateDir: String
    /// Lines kept in memory that are not on disk yet.
    public var unwritten: Int
    /// Lines that waited during this failure (written once it recovers).
    public var held: Int
    /// Lines dropped (over `maxUnwrittenBytes`) during this failure.
    public var dropped: Int
    /// Wall-clock time (ms) of the first failed write.
    public var failingSinceMillis: Int64
    /// How long the writes have failed (or failed, once recovered).
    public var failedForMillis: Int64
    public var maxUnwrittenBytes: Int

    /// The errno in plain words: "no space left on device (errno 28)".
    public var reason: String {
        let t = errnoText(error.code)
        return t.prefix(1).lowercased() + t.dropFirst()
    }

    /// One line for the screen.
    public var text: String {
        let kept = maxUnwrittenBytes >= 1 << 20 ? "\(maxUnwrittenBytes >> 20) MiB" : "\(maxUnwrittenBytes >> 10) KiB"
        let lost = dropped == 0 ? "" : kind == .failing
            ? "; \(dropped) more lines did not fit in the \(kept) kept in memory: they are written again, from memory or from peers, once the replica is written"
            : "; \(dropped) more lines did not fit in the \(kept) kept in memory: they are being written again, from memory or from peers"
        switch kind {
        case .failing:
            return "the replica cannot be written: \(reason) (state dir \(stateDir)); \(unwritten) lines are not on disk yet, retrying" + lost
        case .recovered:
            let secs = Double(failedForMillis / 100) / 10
            return "the replica is written again (state dir \(stateDir)): the \(held) lines held for \(secs) s are on disk" + lost
        }
    }
}
