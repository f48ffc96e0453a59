#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import CNetShim

/// The two clocks the shell reads; the core never reads a clock itself.
public enum SystemClock {
    /// CLOCK_MONOTONIC as an `Instant`: never jumps, the basis of every timer.
    public static func monotonicNow() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }

    /// Wall-clock milliseconds since the Unix epoch: display timestamps only.
    public static func wallClockMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// Short waits for a descriptor, finer than poll()'s milliseconds.
public enum Readiness {
    /// Waits up to `timeout` for `fd` to be readable (or at its end);
    /// true if it is.
    public static func waitReadable(_ fd: Int32, timeout: Duration) -> Bool {
        let c = timeout.components
        let nanos = c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000
        return rcn_wait_readable(fd, Int(max(0, nanos))) == 1
    }
}

extension Readiness {
    /// What `writeNow` did.
    public enum WriteNow: Equatable, Sendable {
        /// Wrote this many bytes (fewer than asked: the descriptor is full).
        case wrote(Int)
        /// Nothing written: it would have waited.
        case wouldBlock
        /// The descriptor cannot write without waiting (not a pipe or
        /// socket, or an older kernel): use `poll` and `PIPE_BUF`.
        case unsupported
        case failed(Int32)
    }

    /// Writes what `fd` takes of `bytes` now, never waiting (Linux's
    /// `pwritev2(RWF_NOWAIT)`, which pipes honour without `O_NONBLOCK` on a
    /// descriptor the reader may share).
    public static func writeNow(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> WriteNow {
        let n = rcn_write_nowait(fd, bytes.baseAddress, UInt(bytes.count))
        if n >= 0 { return n == 0 && !bytes.isEmpty ? .wouldBlock : .wrote(n) }
        switch errno {
        case EAGAIN: return .wouldBlock
        case EOPNOTSUPP, EINVAL, ENOSYS, ESPIPE: return .unsupported
        default: return .failed(errno)
        }
    }
}
