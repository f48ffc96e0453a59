#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatStorage

/// Answers the node's history reads (`Effect.readHistory`: a peer catching
/// up asks for messages older than the node's cache) and the screen's
/// pages of scroll-back (`HistoryPage`) on a thread of its own, so that a
/// read of a long replica never holds up the loop: the token, heartbeats
/// and the screen go on while it seeks.
///
/// The thread opens its own `ReplicaStore` (SQLite: one connection per
/// thread; WAL lets it read beside the disk thread's writes). Answers go
/// back to the loop through `post`, in request order.
///
/// A read is asked of the writer first (`DiskWriter.requestIndex`, on the
/// caller's thread, so it covers every line the node had handed over when
/// it asked) and waits here until those lines are indexed: the store then
/// lacks nothing the node's cache has let go of.
final class HistoryReader: @unchecked Sendable {
    private let directory: StateDirectory
    private let post: @Sendable (HistoryRequest.ID, [[ChatMessage]]) -> Void
    private enum Job {
        case node(HistoryRequest)
        /// A page for the screen, answered through `reply`.
        case page(HistoryPage, reply: @Sendable ([ChatMessage]) -> Void)
    }
    /// The writer whose lines the reads must see (nil: none to wait for).
    private let writer: DiskWriter?
    /// Each job with the writer's ticket it waits for.
    private let jobs = JobQueue<(job: Job, indexed: UInt64)>()
    private var thread: pthread_t?
    /// Only touched on the reader's thread.
    private var store: ReplicaStore?
    private var openFailed = false

    /// `post` runs on the reader's thread: it must hand the answer to the
    /// loop (`LoopHandle.post`), never feed the node itself.
    init(directory: StateDirectory, writer: DiskWriter?,
         post: @escaping @Sendable (HistoryRequest.ID, [[ChatMessage]]) -> Void) {
        self.directory = directory
        self.writer = writer
        self.post = post
        // No thread: every read is answered empty at once (below).
        thread = try? WorkerThread.start { [self] in run() }.get()
    }

    /// Queues a read (never blocks the caller).
    func read(_ request: HistoryRequest) {
        if thread == nil { return post(request.id, []) }
        jobs.append((.node(request), writer?.requestIndex() ?? 0))
    }

    /// Queues a page of the screen's history; `reply` runs on the reader's
    /// thread with the store's lines (none without a store) and must hand
    /// them to the loop.
    func read(_ page: HistoryPage, reply: @escaping @Sendable ([ChatMessage]) -> Void) {
        if thread == nil { return reply([]) }
        jobs.append((.page(page, reply: reply), writer?.requestIndex() ?? 0))
    }

    /// Stops the thread once it has answered what it was asked; the
    /// answers of a node that is gone are dropped by the host.
    func close() {
        jobs.close()
        if let t = thread { pthread_join(t, nil) }
        thread = nil
    }

    private func run() {
        while true {
            let (batch, closing) = jobs.take()
            if closing && batch.isEmpty { break }
            for (job, ticket) in batch {
                writer?.waitIndexed(ticket)
                switch job {
                case .node(let r): post(r.id, answer(r))
                case .page(let p, let reply): reply(openStore().map { p.read(from: $0) } ?? [])
                }
            }
        }
        store = nil
    }

    private func answer(_ r: HistoryRequest) -> [[ChatMessage]] {
        // No store: empty answers; the reconciler asks another peer.
        openStore()?.answer(r) ?? []
    }

    private func openStore() -> ReplicaStore? {
        if store == nil && !openFailed {
            store = try? ReplicaStore(directory: directory)
            openFailed = store == nil
        }
        return store
    }
}
