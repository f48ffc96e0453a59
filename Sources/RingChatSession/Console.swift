#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole lines to stdout and stderr: short writes are retried, so a line
/// is never split or interleaved with another writer's.
public enum Console {
    public static func out(_ s: String) { writeAll(STDOUT_FILENO, s) }
    /// `line` and a newline to stderr.
    public static func error(_ line: String) { writeAll(STDERR_FILENO, line + "\n") }

    public static func writeAll(_ fd: Int32, _ s: String) { writeAll(fd, Array(s.utf8)) }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, 1000)
                    continue
                }
                return   // the reader is gone (EPIPE): nothing sensible left to do
            }
            done += n
        }
    }
}
