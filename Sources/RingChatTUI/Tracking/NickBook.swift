import RingChatCore

/// The nick last seen for each node id, from member lists and from the
/// messages themselves (history read back included), so the screen can
/// name a member whose heartbeat has not arrived yet: after a restart the
/// token names the ring's members before their heartbeats do, and the bar
/// showed `▸01a5◂` where everyone knew it was bob.
struct NickBook {
    private var nicks: [NodeID: String] = [:]

    mutating func learn(_ id: NodeID, _ nick: String) {
        guard nick != "?" else { return }
        nicks[id] = nick
    }

    mutating func learn(_ status: NodeStatus) {
        learn(status.node, status.nick)
        for m in status.members { learn(m.id, m.nick) }
    }

    /// The nick, or the short id for a node never named.
    func name(_ id: NodeID) -> String { nicks[id] ?? id.short }

    func nick(_ id: NodeID) -> String? { nicks[id] }

    /// A node last seen with `nick` (any case), for `/query`; nil if none.
    func id(of nick: String) -> NodeID? {
        let lower = nick.lowercased()
        return nicks.first { $0.value.lowercased() == lower }?.key
    }
}
