#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatStorage

/// What a search found, handed to the loop thread.
public struct SearchAnswer: Sendable {
    public var query: SearchQuery
    /// Newest first; a full page (`limit` hits) may have older ones
    /// (ask again with `before:` the last hit's offset).
    public var hits: [SearchHit]
    public var limit: Int
    /// Replica lines the full-text index covers, and whether it still has
    /// lines to take in (an old replica's index is built in the background:
    /// older lines are found once it is done).
    public var indexedLines: Int
    public var building: Bool
    /// The time the query and the reads of its hits took on the search
    /// thread, in microseconds.
    public var micros: Int
    /// Why nothing could be searched (no FTS5, an unreadable index).
    public var error: String?

    public var mayHaveMore: Bool { hits.count >= limit }

    public init(query: SearchQuery, hits: [SearchHit], limit: Int, indexedLines: Int, building: Bool, micros: Int, error: String? = nil) {
        self.query = query
        self.hits = hits
        self.limit = limit
        self.indexedLines = indexedLines
        self.building = building
        self.micros = micros
        self.error = error
    }
}

/// The search thread: keeps replica.search.sqlite (`SearchIndex`) caught
/// up with the replica, in the background (an old replica's whole history
/// on the first start of this version, then each new line within a
/// second), and answers `/search` and `/lastlog` queries. Never on the
/// loop thread: a query, or the build of a million lines, never holds up
/// the token or the screen. Answers go back through `post`.
final class SearchReader: @unchecked Sendable {
    struct Request: Sendable {
        var id: UInt64
        var query: SearchQuery
        var before: Int?
        var limit: Int
    }

    private let directory: StateDirectory
    private let post: @Sendable (UInt64, SearchAnswer) -> Void
    private let requests = JobQueue<Request>()
    private var thread: pthread_t?
    /// Only touched on the search thread.
    private var index: SearchIndex?
    private var openError: String?
    /// How often the index follows the replica while nobody searches.
    static let followEvery: Duration = .seconds(1)

    init(directory: StateDirectory, post: @escaping @Sendable (UInt64, SearchAnswer) -> Void) {
        self.directory = directory
        self.post = post
        thread = try? WorkerThread.start { [self] in run() }.get()
    }

    /// Queues a query (never blocks the caller).
    func search(_ r: Request) {
        guard thread != nil else {
            return post(r.id, SearchAnswer(query: r.query, hits: [], limit: r.limit, indexedLines: 0, building: false, micros: 0,
                                           error: "no search thread"))
        }
        requests.append(r)
    }

    /// Stops the thread (a background build stops at its next chunk).
    func close() {
        requests.close()
        if let t = thread { pthread_join(t, nil) }
        thread = nil
    }

    private func run() {
        do throws(SQLiteError) { index = try SearchIndex(directory: directory) } catch { openError = "\(error)" }
        while true {
            // The waiting requests, after at most `followEvery` of waiting.
            let (batch, stop) = requests.take(waitingUntil: EventLoop.monotonicNow().nanoseconds + Self.followEvery.nanoseconds)
            if stop { break }
            if !batch.isEmpty {
                // New lines first (a line just said is found), then the
                // answers; a long build answers between its chunks.
                follow()
                answer(batch)
            } else {
                follow()
            }
        }
        index?.close()
        index = nil
    }

    /// Catches the index up with the replica, answering queries that
    /// arrive meanwhile from what is indexed so far.
    private func follow() {
        guard let idx = index, idx.behind() > 0 else { return }
        do throws(SQLiteError) {
            try idx.catchUp {
                answer(requests.takeNow(), building: true)
                return !requests.isClosing
            }
        } catch {
            openError = "the search index could not be updated: \(error)"
        }
    }

    private func answer(_ batch: [Request], building: Bool = false) {
        for r in batch {
            let t0 = EventLoop.monotonicNow()
            var a = SearchAnswer(query: r.query, hits: [], limit: r.limit, indexedLines: index?.indexedLines ?? 0,
                                 building: building || (index?.behind() ?? 0) > 0, micros: 0, error: openError)
            if let idx = index {
                do throws(SQLiteError) { a.hits = try idx.search(r.query, before: r.before, limit: r.limit) } catch {
                    a.error = "search failed: \(error)"
                }
            }
            a.micros = Int((EventLoop.monotonicNow() - t0).nanoseconds / 1_000)
            post(r.id, a)
        }
    }
}
