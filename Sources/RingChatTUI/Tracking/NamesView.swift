import RingChatCore

/// The `/names` answer: who is here in plain words, irssi style, with the
/// away notes; `/who` is the one with ids, lags and the token.
enum NamesView {
    static func lines(_ status: NodeStatus?, away: [NodeID: String]) -> [String] {
        guard let s = status, !s.members.isEmpty else { return ["nobody here yet: the ring is still forming"] }
        let names = s.members.map { m -> String in
            var n = Sanitizer.nick(m.nick)
            if m.id == s.node { n += " (you)" }
            if let reason = away[m.id] { n += reason.isEmpty ? " (away)" : " (away: \(Sanitizer.text(reason)))" }
            return n
        }
        let count = s.members.count
        return ["\(count) here: " + names.joined(separator: ", ")]
    }
}
