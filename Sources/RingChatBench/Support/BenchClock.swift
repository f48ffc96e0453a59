#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The benchmarks' monotonic clock, in seconds, and their one way to wait.
enum BenchClock {
    static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Returns once `done` holds; throws after `timeout` seconds. Between
    /// two looks it sleeps 20 ms, or less when one of `wakeOn` (a child's
    /// stdout pipe) becomes readable, so that a timed event is seen at once.
    static func wait(_ what: String, timeout: Double, wakeOn fds: [Int32] = [], _ done: () throws(BenchError) -> Bool) throws(BenchError) {
        let deadline = seconds() + timeout
        while try !done() {
            if seconds() > deadline { throw BenchError("timed out after \(Int(timeout)) s waiting for \(what)") }
            var p = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            _ = poll(&p, nfds_t(p.count), 20)
        }
    }
}
