/// The hand-over between the loop thread and one worker thread: the loop
/// appends jobs (never blocking), the worker takes all that wait in one go,
/// sleeping while there are none. `close` wakes the worker for good. Used
/// by the history reader and the search thread (RingChatSession/Host).
package final class JobQueue<Job>: @unchecked Sendable {
    private let monitor = Monitor()
    // Guarded by `monitor`.
    private var jobs: [Job] = []
    private var closing = false

    package init() {}

    /// Queues a job and wakes the worker.
    package func append(_ job: Job) {
        monitor.withLock {
            jobs.append(job)
            monitor.broadcast()
        }
    }

    /// Tells the worker to stop; it still sees what is queued (`take`).
    package func close() {
        monitor.withLock {
            closing = true
            monitor.broadcast()
        }
    }

    package var isClosing: Bool { monitor.withLock { closing } }

    /// What waits, after sleeping while nothing does and the queue is open
    /// (until `deadlineNanos` on the monotonic clock, if given); `closing`
    /// once `close` was called.
    package func take(waitingUntil deadlineNanos: Int64? = nil) -> (jobs: [Job], closing: Bool) {
        monitor.withLock {
            if let d = deadlineNanos {
                if jobs.isEmpty && !closing { monitor.wait(untilMonotonicNanos: d) }
            } else {
                while jobs.isEmpty && !closing { monitor.wait() }
            }
            defer { jobs.removeAll(keepingCapacity: true) }
            return (jobs, closing)
        }
    }

    /// What waits now, without sleeping (none once closing).
    package func takeNow() -> [Job] {
        monitor.withLock {
            defer { jobs.removeAll(keepingCapacity: true) }
            return closing ? [] : jobs
        }
    }
}
