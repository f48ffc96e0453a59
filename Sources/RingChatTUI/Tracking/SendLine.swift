import RingChatCore

/// Your own send as one dim line in the conversation, rewritten in place
/// as the token answers: `token requested (1 queued)…`, then `… → granted
/// from bob after 2 ms`, then `… → sent as seq 17`. The course asks that
/// requests and grants be visible; three lines per message buried the
/// chat, so the story is told once per send here and in full in F3.
struct SendLine {
    /// What to do with the conversation's send line.
    enum Update: Equatable {
        /// Start a new line, tagged so later updates find it.
        case add(String, tag: Int)
        /// Rewrite the line with this tag.
        case replace(String, tag: Int)
    }

    private var tag = 0
    /// The open story: its text so far, when the wait started, whether
    /// granted.
    private var open: (text: String, since: Instant, granted: Bool)?

    /// Sent while holding the token, this visit: the seqs so far and the
    /// line's tag, so a paste sent line by line within one visit is still
    /// one line (`sent 20 lines as seq 1-20`).
    private var held: (seqs: ClosedRange<UInt64>, tag: Int)?

    var isWaiting: Bool { open.map { !$0.granted } ?? false }

    mutating func update(for event: TokenEvent, now: Instant, name: (NodeID) -> String) -> Update? {
        if case .sent = event {} else { held = nil }
        switch event {
        case .requested(let queued):
            // The node repeats its request every idle hold: one line per wait.
            guard open == nil else { return nil }
            tag += 1
            let text = "token requested (\(queued) queued)"
            open = (text, now, false)
            return .add(text + "…", tag: tag)
        case .granted(_, _, let from):
            guard var o = open, !o.granted else { return nil }
            let ms = Int((now - o.since).milliseconds.rounded())
            o.text += " → granted \(from.map { "from \(name($0))" } ?? "on a new ring") after \(ms) ms"
            o.granted = true
            open = o
            return .replace(o.text + "…", tag: tag)
        case .sent(_, var seqs):
            if let o = open {
                open = nil
                return .replace(o.text + " → sent " + Self.lines(seqs, alwaysCount: false), tag: tag)
            }
            // Typed while holding the token: sent at once, nothing asked.
            if let h = held, h.seqs.upperBound &+ 1 == seqs.lowerBound {
                seqs = h.seqs.lowerBound...seqs.upperBound
                held = (seqs, h.tag)
                return .replace("sent " + Self.lines(seqs, alwaysCount: true) + " (you held the token)", tag: h.tag)
            }
            tag += 1
            held = (seqs, tag)
            return .add("sent " + Self.lines(seqs, alwaysCount: true) + " (you held the token)", tag: tag)
        default:
            return nil
        }
    }

    /// `as seq 17`, `20 lines as seq 1-20`; `1 line as seq 17` when
    /// `alwaysCount`.
    private static func lines(_ seqs: ClosedRange<UInt64>, alwaysCount: Bool) -> String {
        let n = seqs.count
        if n == 1 { return (alwaysCount ? "1 line " : "") + "as seq \(seqs.lowerBound)" }
        return "\(n) lines as seq \(seqs.lowerBound)-\(seqs.upperBound)"
    }

    /// A restart forgets any wait (the outbox comes back from the
    /// checkpoint and is requested afresh).
    mutating func reset() {
        open = nil
        held = nil
    }
}
