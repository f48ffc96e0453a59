#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatIO

/// An exclusive advisory lock (flock) on `<state dir>/lock`, held by a
/// running node for its whole life: two nodes sharing a state dir would
/// share a node id and corrupt each other's replica. The kernel drops it
/// when the process dies, SIGKILL included, so a stale lock never blocks a
/// restart.
public final class StateLock {
    public static let fileName = "lock"
    public let path: String
    private var fd: Int32

    /// Takes the lock or throws at once (never waits).
    public init(directory: String) throws(StateDirectoryError) {
        path = directory + "/" + Self.fileName
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StateDirectoryError("cannot open \(path): \(errnoText(errno))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let e = errno
            close(fd)
            fd = -1
            if e == EWOULDBLOCK {
                throw StateDirectoryError("state directory \(directory) is in use by another running ringchat (it holds \(path)); give this node its own --state-dir",
                                          heldByAnother: true)
            }
            throw StateDirectoryError("cannot lock \(path): \(errnoText(e))")
        }
    }

    deinit { release() }

    public func release() {
        if fd >= 0 {
            close(fd)   // closing the last descriptor drops the flock
            fd = -1
        }
    }
}
