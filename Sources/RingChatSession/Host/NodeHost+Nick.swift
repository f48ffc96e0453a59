import RingChatCore
import RingChatIO

/// One nick per live node (`NickClaim`): the host feeds the rule the
/// members of every status, asks it before a `/nick`, and makes the rename
/// it asks for, with a notice (`nick carol is in use by 4024; you are
/// carol_`). The same for every front end: the TUI, headless, the server.
extension NodeHost {
    /// Starts the rule for a node just (re)started with `nick`.
    func startNickClaim(me: NodeID, nick: String, at now: Instant) {
        nickClaim = NickClaim(me: me, nick: nick, startedAt: now)
        nickMembers = []
        nickReviewed = false
    }

    /// `/nick wanted` (already allowed by `NickRule`): taken as it is, or
    /// `wanted_` when a live member holds it.
    func claimNick(_ wanted: String) {
        let now = EventLoop.monotonicNow()
        var take = wanted
        if let r = nickClaim?.check(wanted, members: nickMembers) {
            onEvent?(.notice(r.notice))
            take = r.to
        }
        nickClaim?.claimed(take, at: now)
        nickReviewed = false
        run(.setNick(take))
    }

    /// A status: the live members, as the rule sees them. Under load a
    /// status comes with nearly every datagram (its lag or holder moved)
    /// while the members and their nicks stay as they were; the rule then
    /// has nothing new to judge (what time changes, its timer judges), and
    /// judging anyway was 5% of a busy node's CPU.
    func nickStatus(_ s: NodeStatus) {
        if nickReviewed, s.members.elementsEqual(nickMembers, by: { $0.id == $1.id && $0.nick == $1.nick }) { return }
        nickMembers = s.members.map { ($0.id, $0.nick) }
        reviewNick()
    }

    /// Applies the rule now, and keeps one timer at its next check.
    func reviewNick() {
        if let t = nickTimer { loop.cancel(t) }
        nickTimer = nil
        guard currentNode != nil, var claim = nickClaim else { return }
        let now = EventLoop.monotonicNow()
        let rename = claim.observe(members: nickMembers, now: now)
        if let r = rename {
            claim.claimed(r.to, at: now)
            onEvent?(.notice(r.notice))
        }
        nickClaim = claim
        nickReviewed = rename == nil
        if let r = rename { run(.setNick(r.to)) }
        if let at = nickClaim?.nextCheck {
            nickTimer = loop.schedule(at: at) { [weak self] in
                self?.nickTimer = nil
                self?.reviewNick()
            }
        }
    }
}
