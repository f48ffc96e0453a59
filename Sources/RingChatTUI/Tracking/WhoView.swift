import RingChatCore

/// The `/who` answer: the ring in its agreed order (sorted node ids, the
/// order the token travels), who holds the token, and each member's lag as
/// far as its digest tells.
enum WhoView {
    /// Whether the group is keyed, in words (docs/SECURITY.md).
    static func keyLine(_ key: String?) -> String {
        if let key { return "group keyed (key \(key)): packets encrypted and authenticated; nodes without the key can neither read nor send" }
        return "group open (no --key-file): anyone on the LAN can read and send; see `ringchat keygen`"
    }

    static func lines(_ status: NodeStatus?, key: String? = nil) -> [String] {
        guard let s = status else { return ["not in a ring yet", keyLine(key)] }
        let ring = s.ring.map { "ring \($0)" } ?? "no ring yet"
        let holder: String
        if let h = s.holder {
            holder = h == s.node ? "you hold the token" : "\(s.members.first { $0.id == h }?.nick ?? h.short) holds the token"
        } else {
            holder = "nobody is known to hold the token"
        }
        let n = s.members.count
        var lines = ["\(ring): \(n) member\(n == 1 ? "" : "s") in token order; \(holder)"]
        let nickWidth = s.members.map { DisplayWidth.of(Sanitizer.nick($0.nick)) }.max() ?? 0
        for (i, m) in s.members.enumerated() {
            let nick = Sanitizer.nick(m.nick)
            let pad = String(repeating: " ", count: max(0, nickWidth - DisplayWidth.of(nick)))
            var tags: [String] = []
            if m.id == s.node { tags.append("you") }
            if m.id == s.holder { tags.append("token") }
            let lag = m.id == s.node ? s.lag : m.lag
            lines.append("  \(i + 1). \(nick)\(pad)  \(m.id.short)  lag \(lag)" + (tags.isEmpty ? "" : "  (\(tags.joined(separator: ", ")))"))
        }
        if s.queued > 0 { lines.append("\(s.queued) of your lines wait for the token") }
        lines.append(keyLine(key))
        return lines
    }
}
