#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore

/// Input-to-screen latency, for the benchmarks: with
/// `RINGCHAT_LATENCY_LOG=FILE` in the environment the app appends one line
/// per own message, `latency_us N`, the time from the poll() wake-up that
/// read the Enter key to the end of the `doupdate()` that first drew the
/// message in the pane; one line per key read, `key_us N`, the time from
/// that wake-up to the end of the frame that echoes it; and `frame N` per
/// frame, N the lines delivered since the previous one (how well redraws
/// coalesce under a flood). Off (nil) otherwise: no cost.
final class LatencyProbe {
    private let fd: Int32
    /// Lines typed and not yet delivered: text and the time of Enter.
    private var typed: [(text: String, at: Instant)] = []
    /// Delivered, waiting for the draw that shows them.
    private var delivered: [Instant] = []
    /// When keys were read that no frame has echoed yet.
    private var keys: [Instant] = []
    /// Lines delivered since the last frame.
    private var linesSinceFrame = 0

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

    /// Keys were read at `t` (the poll() wake-up).
    func keysRead(at t: Instant) { keys.append(t) }

    /// A line was delivered to the pane.
    func lineDelivered() { linesSinceFrame += 1 }

    /// Call right after a frame went out.
    func drawn(at now: Instant) {
        var out = "frame \(linesSinceFrame)\n"
        linesSinceFrame = 0
        for t in delivered { out += "latency_us \((now - t).nanoseconds / 1000)\n" }
        for t in keys { out += "key_us \((now - t).nanoseconds / 1000)\n" }
        delivered = []
        keys = []
        out.utf8CString.withUnsafeBufferPointer { _ = write(fd, $0.baseAddress, $0.count - 1) }
    }
}
