/// Leaving cleanly (docs/PROTOCOL.md §6, "Leaving"): a node that stops
/// (`/quit`, SIGTERM) passes a held token on, then multicasts a `leave`
/// a few times; the others drop it from the ring order at once, so nobody
/// waits on it as a successor, declares it silent or regenerates the token.
///
/// The leaver takes no token from then on. Its `leave` says which hop of
/// its ring it took last: a pass to it with a higher hop (one that crossed
/// the leave) was never taken and never will be, so its sender takes the
/// token back and passes it to the next member at once, in the same ring
/// and with the next hop: no second token can exist. A leaver that is sent
/// such a pass answers it with its leave again (the first may be lost).
struct LeaveState {
    /// The ring the node was in when it left, and the highest hop of it
    /// that it took (0: none).
    var ring: RingID?
    var took: UInt64
    /// Leave packets sent so far, and when the next is due.
    var sent = 0
    var nextSend: Instant
}

extension Node {
    /// Whether the node has been told to leave.
    public var isLeaving: Bool { leaving != nil }

    /// Whether a leaving node may stop now: its leave went out
    /// `leaveSends` times (once when nobody is there to hear it) and no
    /// pass of its own awaits an answer. The shell stops by `leaveLinger`
    /// whatever this says.
    public var leaveSettled: Bool {
        guard let l = leaving, passing == nil else { return false }
        return l.sent >= config.leaveSends || membership.livePeers(now: lastTick, timeout: memberTimeout).isEmpty
    }

    func leave(now: Instant) {
        guard leaving == nil else { return }
        lastTick = now
        // The successor is computed without us (as always): the token goes
        // on in the same ring, whose membership is the ring's minus us.
        if holding != nil { pass(now: now) }
        holding = nil // alone: nobody to hand it to
        let took = acceptedHop.flatMap { $0.ring == ring ? $0.hop : nil } ?? 0
        leaving = LeaveState(ring: ring, took: ring == nil ? 0 : took, nextSend: now)
        sendLeave(now: now)
    }

    func sendLeave(now: Instant) {
        guard var l = leaving else { return }
        l.sent += 1
        l.nextSend = now + config.leaveResendInterval
        leaving = l
        send(.leave(Leave(ring: l.ring, took: l.took)))
    }

    /// A leaving node's tick: its leave re-sends and its last pass's, never
    /// a heartbeat, a ring or a token request.
    func tickLeaving(now: Instant) {
        guard let l = leaving else { return }
        if l.sent < config.leaveSends, now >= l.nextSend { sendLeave(now: now) }
        guard var p = passing else { return }
        let dead = !membership.isLive(p.token.to, now: now, timeout: memberTimeout)
        guard dead || now >= p.resendAt else { return }
        if !dead && p.retries < config.tokenRetries {
            p.retries += 1
            p.resendAt = now + resendInterval
            passing = p
            send(.token(p.token))
        } else {
            // The others' loss rule takes over; we form no ring on our way out.
            passing = nil
        }
    }

    /// The deadlines of a leaving node: its leave re-sends and its last
    /// pass. (The heartbeat is due when the shell stops it anyway.)
    func leavingTimers(_ l: LeaveState, now: Instant) -> Timers {
        var t = Timers(heartbeat: now + config.leaveLinger)
        if l.sent < config.leaveSends { t.leaveResend = l.nextSend }
        t.passResend = passing?.resendAt
        if let p = passing, let heard = membership.peers[p.token.to]?.lastHeard {
            t.successorDead = heard + memberTimeout + .milliseconds(1)
        }
        return t
    }

    /// While leaving, a pass addressed to us is not taken: it crossed our
    /// leave. We answer with the leave again, which lets its sender pass
    /// on at once. Returns true when the packet is dealt with.
    func refuseWhileLeaving(_ p: Packet, now: Instant) -> Bool {
        guard let l = leaving, case .token(let t) = p.body, t.to == id, t.toIncarnation == incarnation else { return false }
        if let r = l.ring, t.ring < r { return true } // a stale ring: nothing to say
        // A higher ring than ours was never ours: we took none of its hops.
        send(.leave(Leave(ring: t.ring, took: t.ring == l.ring ? l.took : 0)))
        return true
    }

    /// A peer leaves: out of the ring order at once. A pass of ours to it
    /// that it did not take is taken back and passed to the next member.
    func receiveLeave(_ l: Leave, from sender: NodeID, incarnation: UInt32, now: Instant) {
        membership.depart(sender, incarnation: incarnation)
        requesters[sender] = nil
        guard let p = passing, p.token.to == sender, p.token.toIncarnation == incarnation, l.ring == p.token.ring else { return }
        passing = nil
        guard l.took < p.token.hop, leaving == nil else { return } // it took this hop, and passed it on
        // It never took this hop and never will: the token is still ours.
        noteActivity(now: now)
        holding = HeldToken(ring: p.token.ring, hop: p.token.hop, nextSeq: p.token.nextSeq, since: now)
        holderGuess = id
        actAsHolder(now: now)
    }
}
