/// Installing a new ring before anyone shows a line of it: one new ring at
/// a time, and the old ring's end agreed first (docs/PROTOCOL.md §6,
/// "Installing a ring"; Totem's commit token and recovery,
/// `memb_state_commit_enter` / `memb_state_recovery_enter` in corosync's
/// exec/totemsrp.c).
///
/// 1. **No line before a full rotation.** A new ring's token first goes
///    once around without data: nobody sends on its first take, and it is
///    passed at once when lines wait (held `idleHold` when idle). Only a node that has seen the
///    rotation complete (it takes the token a second time, or the ring
///    already carries data) sends lines in it. Two survivors that form
///    rings at once therefore send nothing in them until one ring has
///    gathered every member; the other ring's token is ignored by the
///    members of the higher one and dies empty.
/// 2. **The old ring's end travels with the token.** During that rotation
///    every member raises the token's lineage to the last seq it knows of
///    the ring being replaced; the data of the new ring carries the
///    result. A node that meets a higher end (token, data, heartbeat)
///    extends the old ring it is finishing, or reopens it if it had
///    finished it and has shown nothing of the new ring yet: the new
///    ring's lines wait behind the old ring's (the settle exchange fills
///    or settles its holes).
/// 3. **An empty ring is not a step.** A node that leaves a ring that
///    carried nothing for another keeps finishing the ring before it.
/// 4. **A node that was not running does not judge the others.** After a
///    gap in its input longer than half a member timeout (a stopped or
///    descheduled process), the silence of its peers and of the token is
///    counted without that gap: it listens first, and joins the ring the
///    others formed meanwhile instead of forming one of its own that
///    would absorb theirs. And it sends nothing more, in its ring or in
///    one it learns of from its backlog, until a ring's token has gone
///    once around again after it woke: the others may have moved on
///    while it slept, and the token it finds waiting in its socket (or
///    holds), or the ring its stale backlog moves it to, would have it
///    stamp lines in a ring they have already finished.
extension Node {
    /// Rule 4: called with every input.
    func noteWake(now: Instant) {
        defer { lastHandled = now }
        guard let last = lastHandled, now > last else { return }
        // Inputs come microseconds apart under load: `memberTimeout` (at
        // least the configured one) is not worked out for them.
        let gapNanos = now.nanoseconds - last.nanoseconds
        guard gapNanos * 2 > config.memberTimeout.nanoseconds else { return }
        let gap = now - last
        guard gap > memberTimeout / 2 else { return }
        membership.slept(gap)
        orderCacheVersion = nil
        installed = nil
        firstTake = nil
        wokeUnverified = true
        lastActivity = lastActivity + gap
        if var p = passing {
            p.sentAt = p.sentAt + gap
            p.resendAt = p.resendAt + gap
            passing = p
        }
        if var h = holding {
            h.since = h.since + gap
            holding = h
        }
    }

    /// Rule 1: this node takes `r`'s token.
    func noteTake(of r: RingID) {
        guard installed != r else { return }
        if firstTake == r {
            installed = r
            wokeUnverified = false
        } else if sequencer.ring == r, sequencer.known > 0, !wokeUnverified {
            // The ring carries lines: its first rotation is over.
            installed = r
        } else {
            firstTake = r
        }
    }

    /// Rule 3: leaving `old`, which carried nothing, while a ring before it
    /// is being finished (or was finished and may be reopened).
    func carriesFinishing(leaving old: RingID?) -> Bool {
        guard let o = old, sequencer.ring == o, sequencer.known == 0,
              sequencer.finishing != nil || sequencer.finished != nil else { return false }
        return log.lastHeld(in: o, 1...PacketValidator.ceiling) == nil
    }

    /// Rule 2: the current ring's lineage says where the ring it replaced
    /// ends.
    func learnEnd(of l: RingLineage?, now: Instant) {
        guard let l else { return }
        if var mine = lineage, mine.previous == l.previous, l.last > mine.last {
            mine.last = l.last
            lineage = mine
        }
        if let i = sequencer.queued.firstIndex(where: { $0.ring == l.previous }) {
            // The ring it replaced waits behind an older one being finished.
            if l.last > sequencer.queued[i].last { sequencer.queued[i].last = l.last }
        } else if var f = sequencer.finishing {
            guard f.ring == l.previous, l.last > f.last else { return }
            f.last = l.last
            sequencer.finishing = f
            drain(now: now)
        } else if let fin = sequencer.finished, fin.ring == l.previous {
            // The finished ring reaches further after all: finished again,
            // if nothing after it has been shown here.
            _ = reopen(fin.ring, from: fin.through + 1, upTo: l.last, now: now)
        }
    }

    /// Rule 2, from a line: `m` belongs to a ring this node has left, at or
    /// after the one it finished last, and nothing of a later ring has been
    /// shown here. A survivor that judged the token lost too soon (a slow
    /// rotation) left a ring whose holder was still sending, or took a ring
    /// for empty (rule 3) before its first line reached it: that ring is
    /// finished now, in order, from the first seq not shown, and the
    /// current ring's lines wait behind it.
    func reopen(for m: ChatMessage, now: Instant) -> Bool {
        guard sequencer.finishing == nil, let fin = sequencer.finished, let current = ring,
              m.slot.ring >= fin.ring, m.slot.ring < current else { return false }
        return reopen(m.slot.ring, from: m.slot.ring == fin.ring ? fin.through + 1 : 1, upTo: m.slot.seq, now: now)
    }

    private func reopen(_ r: RingID, from next: UInt64, upTo last: UInt64, now: Instant) -> Bool {
        guard last >= next, sequencer.lastDelivered.map({ $0.ring < r || ($0.ring == r && $0.seq < next) }) ?? true
        else { return false }
        sequencer.finishing = .init(ring: r, next: next, last: last)
        sendSettle(now: now)
        drain(now: now)
        return true
    }

    /// Rule 2: our lineage carries the highest end of the replaced ring we
    /// know of.
    func raiseLineage() {
        guard var l = lineage else { return }
        var mine: UInt64 = 0
        if let f = sequencer.queued.last(where: { $0.ring == l.previous }) {
            mine = f.last
        } else if let f = sequencer.finishing, f.ring == l.previous {
            mine = f.last
        } else if let fin = sequencer.finished, fin.ring == l.previous {
            mine = fin.through
        }
        if mine > l.last {
            l.last = mine
            lineage = l
        }
    }
}
