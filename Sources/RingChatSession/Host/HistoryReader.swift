#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatStorage

/// Answers the node's history reads (`Effect.readHistory`: a peer catching
/// up asks for messages older than the node's cache) on a thread of its
/// own, so that a read of a long replica never holds up the loop: the
/// token, heartbeats and the screen go on while it seeks.
///
/// The thread opens its own `ReplicaStore` (SQLite: one connection per
/// thread; WAL lets it read beside the disk thread's writes). Answers go
/// back to the loop through `post`, in request order.
final class HistoryReader: @unchecked Sendable {
    private let directory: StateDirectory
    private let post: @Sendable (HistoryRequest.ID, [[ChatMessage]]) -> Void
    private let monitor = Monitor()
    // Guarded by `monitor`.
    private var queue: [HistoryRequest] = []
    private var closing = false
    private var thread: pthread_t?
    /// Only touched on the reader's thread.
    private var store: ReplicaStore?
    private var openFailed = false

    /// `post` runs on the reader's thread: it must hand the answer to the
    /// loop (`LoopHandle.post`), never feed the node itself.
    init(directory: StateDirectory, post: @escaping @Sendable (HistoryRequest.ID, [[ChatMessage]]) -> Void) {
        self.directory = directory
        self.post = post
        // No thread: every read is answered empty at once (below).
        thread = try? WorkerThread.start { [self] in run() }.get()
    }

    /// Queues a read (never blocks the caller).
    func read(_ request: HistoryRequest) {
        if thread == nil { return post(request.id, []) }
        monitor.withLock {
            queue.append(request)
            monitor.broadcast()
        }
    }

    /// Stops the thread once it has answered what it was asked; the
    /// answers of a node that is gone are dropped by the host.
    func close() {
        monitor.withLock {
            closing = true
            monitor.broadcast()
        }
        if let t = thread { pthread_join(t, nil) }
        thread = nil
    }

    private func run() {
        while let batch = next() {
            for r in batch { post(r.id, answer(r)) }
        }
        store = nil
    }

    private func next() -> [HistoryRequest]? {
        monitor.withLock {
            while queue.isEmpty && !closing { monitor.wait() }
            if queue.isEmpty { return nil }
            defer { queue.removeAll(keepingCapacity: true) }
            return queue
        }
    }

    private func answer(_ r: HistoryRequest) -> [[ChatMessage]] {
        if store == nil && !openFailed {
            store = try? ReplicaStore(directory: directory)
            openFailed = store == nil
        }
        // No store: empty answers; the reconciler asks another peer.
        return store?.answer(r) ?? []
    }
}
