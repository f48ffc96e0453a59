import RingChatCore

/// The token's story as dimmed pane lines ("show access requests and
/// grants"). On an idle ring the token changes hands ten times a second, so
/// not every event is a line:
/// - a request is shown once per wait (the node re-requests every idle
///   hold while lines are queued), with the queue length;
/// - a grant is shown when this node was waiting for it, with the wait;
/// - the batch sent, ring changes, regeneration and a silent successor are
///   always shown (they are rare and they are the protocol at work);
/// - every grant and pass of this node only when `showPasses` is on
///   (`/tokenlog passes`, and by default with a slow `--token-hold`); the
///   holder elsewhere is on the status bar.
struct TokenLog {
    /// Log every grant and pass of this node, not just requests and the
    /// grants that answer them.
    var showPasses: Bool
    /// When this node started waiting for the token, if it is waiting.
    private(set) var waitingSince: Instant?

    init(showPasses: Bool = false) { self.showPasses = showPasses }

    /// The line to show for `event`, or nil. `name` turns a node id into
    /// `nick` (or its short id when unknown); `now` times the wait.
    mutating func line(for event: TokenEvent, now: Instant, name: (NodeID) -> String) -> String? {
        switch event {
        case .requested(let queued):
            guard waitingSince == nil else { return nil }
            waitingSince = now
            return "token requested (\(queued) queued)"
        case .granted(let ring, let hop, let from):
            let source = from.map { "from \(name($0))" } ?? "on a new ring"
            if let since = waitingSince {
                waitingSince = nil
                let ms = Int((now - since).milliseconds.rounded())
                return "token granted \(source) after \(ms) ms (ring \(ring), hop \(hop))"
            }
            return showPasses ? "token granted \(source) (hop \(hop))" : nil
        case .sent(_, let seqs):
            let n = seqs.count
            return "sent \(n) line\(n == 1 ? "" : "s") as seq \(seqs.lowerBound == seqs.upperBound ? "\(seqs.lowerBound)" : "\(seqs.lowerBound)-\(seqs.upperBound)")"
        case .passed(_, let hop, let to):
            return showPasses ? "token passed to \(name(to)) (hop \(hop))" : nil
        case .holderChanged:
            // The status bar shows the holder; a line per hop of other
            // nodes would bury the chat even in the demo mode.
            return nil
        case .successorSilent(let node):
            return "\(name(node)) did not take the token: forming a ring without it"
        case .lost(let ring):
            guard let ring else { return "no token heard yet: a ring is being formed" }
            return "token lost in ring \(ring): no token activity for a while"
        case .regenerated(let ring):
            return "token regenerated: this node formed ring \(ring)"
        case .ringChanged(let old, let new):
            // A request made in the old ring is repeated in the new one.
            return old.map { "moved from ring \($0) to ring \(new)" } ?? "joined ring \(new)"
        }
    }

    /// A restart forgets any wait (the outbox comes back from the
    /// checkpoint and is requested afresh).
    mutating func reset() { waitingSince = nil }
}
