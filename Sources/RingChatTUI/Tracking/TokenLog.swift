import RingChatCore

/// The token's story in words, for two places.
///
/// The conversation keeps only what a person there cares about: this
/// node's request (once per wait, with the queue length; the node repeats
/// it every idle hold while lines wait) and the grant that answers it, with
/// the wait; the batch sent; loss, regeneration, ring changes and a silent
/// successor (rare, and the protocol at work). Passes, of this node or any
/// other, would bury the chat: the status bar shows the holder moving.
///
/// F3's full log takes every event, passes and holder changes included.
struct TokenLog {
    /// When this node started waiting for the token, if it is waiting.
    private(set) var waitingSince: Instant?

    /// The conversation's line for `event`, or nil. `name` turns a node id
    /// into `nick` (or its short id when unknown); `now` times the wait.
    mutating func line(for event: TokenEvent, now: Instant, name: (NodeID) -> String) -> String? {
        switch event {
        case .requested(let queued):
            guard waitingSince == nil else { return nil }
            waitingSince = now
            return "token requested (\(queued) queued)"
        case .granted(let ring, let hop, let from):
            guard let since = waitingSince else { return nil }
            waitingSince = nil
            let ms = Int((now - since).milliseconds.rounded())
            return "token granted \(Self.source(from, name)) after \(ms) ms (ring \(ring), hop \(hop))"
        case .passed, .holderChanged:
            return nil
        case .sent, .successorSilent, .lost, .regenerated, .ringChanged:
            return Self.logLine(for: event, name: name).text
        }
    }

    /// F3's line for `event`; `routine` for the passes and holder changes
    /// that make up most of it (drawn dimmed, the rest stands out).
    static func logLine(for event: TokenEvent, name: (NodeID) -> String) -> (text: String, routine: Bool) {
        switch event {
        case .requested(let queued):
            return ("you asked for the token (\(queued) queued)", false)
        case .granted(let ring, let hop, let from):
            return ("▸ you hold the token: granted \(source(from, name)) (ring \(ring), hop \(hop))", true)
        case .passed(_, let hop, let to):
            return ("you passed the token to \(name(to)) (hop \(hop))", true)
        case .holderChanged(let node):
            return ("▸ \(name(node)) holds the token", true)
        case .sent(_, let seqs):
            let n = seqs.count
            let range = seqs.lowerBound == seqs.upperBound ? "\(seqs.lowerBound)" : "\(seqs.lowerBound)-\(seqs.upperBound)"
            return ("sent \(n) line\(n == 1 ? "" : "s") as seq \(range)", false)
        case .successorSilent(let node):
            return ("\(name(node)) did not take the token: forming a ring without it", false)
        case .lost(let ring):
            guard let ring else { return ("no token heard yet: a ring is being formed", false) }
            return ("token lost in ring \(ring): no token activity for a while", false)
        case .regenerated(let ring):
            return ("token regenerated: this node formed ring \(ring)", false)
        case .ringChanged(let old, let new):
            // A request made in the old ring is repeated in the new one.
            return (old.map { "moved from ring \($0) to ring \(new)" } ?? "joined ring \(new)", false)
        }
    }

    private static func source(_ from: NodeID?, _ name: (NodeID) -> String) -> String {
        from.map { "from \(name($0))" } ?? "on a new ring"
    }

    /// A restart forgets any wait (the outbox comes back from the
    /// checkpoint and is requested afresh).
    mutating func reset() { waitingSince = nil }
}
