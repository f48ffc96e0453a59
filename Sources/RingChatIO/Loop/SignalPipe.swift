#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The write end of the pipe that a signal handler reports into, or -1.
///
/// A C signal handler can capture nothing, so this is process-global; an
/// atomic load is async-signal-safe, unlike a lock or an allocation.
let signalPipeWriteFD = Atomic<Int32>(-1)

/// The handler installed with `signal()`: writes the signal number as one
/// byte to the owning loop's pipe; the loop delivers it on its own thread.
let signalToPipe: @convention(c) (Int32) -> Void = { sig in
    let saved = errno
    let fd = signalPipeWriteFD.load(ordering: .relaxed)
    if fd >= 0 {
        var byte = UInt8(truncatingIfNeeded: sig)
        _ = write(fd, &byte, 1)
    }
    errno = saved
}
