#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore

/// Input-to-screen latency, for the benchmark: with
/// `RINGCHAT_LATENCY_LOG=FILE` in the environment the app appends one line
/// per own message, `latency_us N`, the time from the poll() wake-up that
/// read the Enter key to the end of the `doupdate()` that first drew the
/// message in the pane. Off (nil) otherwise: no cost.
final class LatencyProbe {
    private let fd: Int32
    /// Lines typed and not yet delivered: text and the time of Enter.
    private var typed: [(text: String, at: Instant)] = []
    /// Delivered, waiting for the draw that shows them.
    private var delivered: [Instant] = []

    static func fromEnvironment() -> LatencyProbe? {
        guard let p = getenv("RINGCHAT_LATENCY_LOG"), p.pointee != 0 else { return nil }
        let fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        return fd >= 0 ? LatencyProbe(fd: fd) : nil
    }

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    func entered(_ text: String, at t: Instant) {
        typed.append((text, t))
        if typed.count > 1000 { typed.removeFirst() }
    }

    /// An own message was delivered: match it with the oldest typed line
    /// that has the same text.
    func deliveredOwn(_ text: String) {
        guard let i = typed.firstIndex(where: { $0.text == text }) else { return }
        delivered.append(typed[i].at)
        typed.remove(at: i)
    }

    var hasPendingDraw: Bool { !delivered.isEmpty }

    /// Call right after a frame went out.
    func drawn(at now: Instant) {
        guard !delivered.isEmpty else { return }
        var out = ""
        for t in delivered { out += "latency_us \((now - t).nanoseconds / 1000)\n" }
        delivered = []
        out.utf8CString.withUnsafeBufferPointer { _ = write(fd, $0.baseAddress, $0.count - 1) }
    }
}
