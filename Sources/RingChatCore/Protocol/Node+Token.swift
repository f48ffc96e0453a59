/// The token ring: accepting, holding, sending a batch, passing, re-sending,
/// skipping a silent successor, regeneration (when `TokenLossRule` calls
/// the token lost), and the switch to a higher ring (how two rings merge
/// after a partition).
extension Node {
    func type(_ text: String, kind: MessageKind, room: String, now: Instant) {
        guard !text.isEmpty else { return }
        guard text.utf8.count <= kind.maxTextBytes else {
            emit(.notice("line too long (\(text.utf8.count) bytes, at most \(kind.maxTextBytes)): not sent"))
            return
        }
        guard RoomName.fits(room, kind: kind) else {
            emit(.notice("no such room \(room): line not sent"))
            return
        }
        guard outbox.count < config.maxOutbox else {
            emit(.notice("outbox full (\(outbox.count) lines wait for the token): line not queued"))
            return
        }
        messageCounter += 1
        let entry = OutboxEntry(id: MessageID(origin: id, incarnation: incarnation, counter: messageCounter),
                                nick: nick, text: text, kind: kind, room: room, timestamp: wallClock(now))
        outbox.append(entry)
        if holding != nil {
            actAsHolder(now: now)
        } else if outbox.count == 1 || lastRequestSent.map({ now - $0 >= config.tokenRetransmit }) ?? true {
            // One request per burst: a request per typed line (64 per turn
            // of a busy sender) outnumbered the data packets two to one.
            // Lines that keep waiting are re-requested every `idleHold`.
            requestToken(now: now)
        }
    }

    func requestToken(now: Instant) {
        lastRequestSent = now
        emit(.token(.requested(queued: outbox.count)))
        send(.tokenRequest(TokenRequest(ring: ring, queued: UInt32(outbox.count))))
    }

    func noteActivity(now: Instant) { lastActivity = now }

    /// Moves this node to `r`, a ring above its own. A token of the old ring
    /// that it held or was passing is destroyed (the higher ring wins).
    func switchRing(to r: RingID, evidence seq: UInt64?, lineage l: RingLineage?, now: Instant) {
        let old = ring
        // Leaving a ring that carried nothing (one of two formed at once):
        // the ring before it is still the one to finish (Node+Install).
        let carried = carriesFinishing(leaving: old)
        // Leaving a ring that carried lines while an older one is still
        // being finished: the older one keeps being finished (its holes
        // settled, not skipped) and the ring left waits behind it
        // (`Sequencer.queued`).
        let queue = !carried && old != nil && sequencer.next != nil && sequencer.finishing != nil
            && sequencer.queued.count < Sequencer.maxQueued
        // The ring we leave is finished in order before the new one starts,
        // up to the last seq we or the new ring's creator know of; a ring
        // whose start we never learned is flushed as it is, and so are the
        // rings being finished before it.
        if !carried && !queue {
            flushFinishing(now: now)
            settleReports = [:]
        }
        if carried {
            learnEnd(of: l, now: now)
        } else if let o = old, let next = sequencer.next {
            let last = max(sequencer.known, l.flatMap { $0.previous == o ? $0.last : nil } ?? 0)
            if queue {
                // Nothing to show of it (`last < next`) still records it
                // finished when its turn comes.
                sequencer.queued.append(.init(ring: o, next: next, last: max(last, next - 1)))
            } else if last >= next {
                sequencer.finishing = .init(ring: o, next: next, last: last)
                // Tell the others at once what we hold of the old ring: they
                // settle its end with it (Node+Settle).
                sendSettle(now: now)
            } else {
                sequencer.finished = (o, next - 1)
            }
        } else {
            flushHeldBack(now: now)
        }
        let replacing = old != nil && (l?.previous == old || (carried && l?.previous == sequencer.lastLeft?.ring))
        lineage = l
        raiseLineage()
        sequencer.enter(r, replacingOurs: replacing)
        // Traffic is judged from the first seq seen until this node first
        // passes: a node that had not passed yet in a new ring saw it idle,
        // and held the token `idleHold` while a sender that had filled its
        // visit (`maxBatch`) waited for it (100 ms after a ring formed, in
        // one `ringchat bench --lat` run of two). A ring learned without a
        // seq (from a heartbeat) is judged from this node's first pass.
        lastPassedSeq = seq.map { (r, $0) }
        highestEpoch = max(highestEpoch, r.epoch)
        holding = nil
        passing = nil
        lastHopSeen = 0
        lastPassNextSeq = 0
        holderGuess = nil
        lastActivity = now
        emit(.token(.ringChanged(old: old, new: r)))
        if let seq { joinBase(seq, now: now) }
    }

    func receiveToken(_ t: Token, from sender: NodeID, now: Instant) {
        if t.hop > 0 { delays.sawAct(by: sender, ring: t.ring, hop: t.hop - 1, at: now) }
        if let r = ring, t.ring < r { stats.staleTokens += 1; return }
        if ring == nil || t.ring > ring! { switchRing(to: t.ring, evidence: t.nextSeq, lineage: t.lineage, now: now) }
        learn(t.lineage, now: now)
        noteActivity(now: now)
        joinBase(t.nextSeq, now: now)
        if t.nextSeq > 1 { sequencer.known = max(sequencer.known, t.nextSeq - 1) }
        requesters[t.to] = nil
        if t.hop > lastHopSeen {
            delays.sawPass(ring: t.ring, hop: t.hop, to: t.to, at: now)
            lastHopSeen = t.hop
            lastPassNextSeq = t.nextSeq
            if let p = passing, t.hop > p.token.hop {
                if sender == p.token.to { passAnswered(p, now: now) }
                passing = nil
            }
            setHolder(t.to)
            if t.to == id && t.toIncarnation == incarnation {
                accept(ring: t.ring, hop: t.hop, nextSeq: t.nextSeq, from: sender, now: now)
            }
        } else if t.hop == lastHopSeen, t.to == id, let h = holding, h.hop == t.hop {
            // Our ack was lost: the predecessor is still re-sending.
            send(.tokenAck(TokenAck(ring: h.ring, hop: h.hop, nextSeq: h.nextSeq, lineage: lineage)))
        } else if t.to == id, t.toIncarnation == incarnation, let a = acceptedHop, a.ring == t.ring, a.hop == t.hop {
            // We took this hop and passed it on, but the predecessor missed
            // both our data and our pass: it is still re-sending.
            stats.staleTokens += 1
            send(.tokenAck(TokenAck(ring: t.ring, hop: t.hop, nextSeq: t.nextSeq, lineage: lineage)))
        } else {
            stats.staleTokens += 1
        }
    }

    func receiveAck(_ a: TokenAck, from sender: NodeID, now: Instant) {
        // Timed from the first send even when re-sent: it can only
        // overestimate, and on a slow network every pass is re-sent at first.
        // An ack after we gave up counts too: it is the proof that we gave up
        // too early, and without it the estimate would only ever see the
        // fast passes.
        if let p = lastPass, a.ring == p.token.ring, a.hop == p.token.hop, sender == p.token.to {
            passRTT.add(now - p.sentAt)
            lastPass = nil
        }
        delays.sawAct(by: sender, ring: a.ring, hop: a.hop, at: now)
        if let r = ring, a.ring < r { return }
        if ring == nil || a.ring > ring! { switchRing(to: a.ring, evidence: a.nextSeq, lineage: a.lineage, now: now) }
        learn(a.lineage, now: now)
        noteActivity(now: now)
        joinBase(a.nextSeq, now: now)
        if a.nextSeq > 1 { sequencer.known = max(sequencer.known, a.nextSeq - 1) }
        if let p = passing, a.hop >= p.token.hop { passing = nil }
        if a.hop >= lastHopSeen {
            lastHopSeen = a.hop
            setHolder(sender)
        }
    }

    /// The successor acted on our pass (its data or its own pass, which
    /// replace the ack on a busy ring): a round-trip sample, and no later
    /// re-ack of that hop may count as one.
    func passAnswered(_ p: PendingPass, now: Instant) {
        if let l = lastPass, l.token.ring == p.token.ring, l.token.hop == p.token.hop {
            passRTT.add(now - p.sentAt)
            lastPass = nil
        }
    }

    /// News of where the current ring came from: the ring being finished
    /// may reach further than this node knew.
    func learn(_ l: RingLineage?, now: Instant) {
        guard let l else { return }
        if lineage == nil { lineage = l }
        learnEnd(of: l, now: now)
    }

    func setHolder(_ h: NodeID) {
        guard holderGuess != h else { return }
        holderGuess = h
        if h != id { emit(.token(.holderChanged(h))) }
    }

    func accept(ring r: RingID, hop: UInt64, nextSeq: UInt64, from: NodeID?, now: Instant) {
        holding = HeldToken(ring: r, hop: hop, nextSeq: nextSeq, since: now)
        noteTake(of: r)
        holderGuess = id
        requesters[id] = nil
        emit(.token(.granted(ring: r, hop: hop, from: from)))
        acceptedHop = (r, hop)
        actAsHolder(now: now)
        // The ack only matters when we keep the token: fresh data or the
        // next pass (both multicast) already tell the predecessor, and an
        // ack per hop was a third of the packets every node handles on a
        // busy ring. (A lost pass of ours is answered by re-acking the
        // predecessor's re-send, in `receiveToken`.) A holder that sent and
        // passes at the end of the turn keeps it only for microseconds.
        if let h = holding, h.ring == r, h.hop == hop, !h.passAtTurnEnd {
            send(.tokenAck(TokenAck(ring: r, hop: hop, nextSeq: h.nextSeq, lineage: lineage)))
        }
    }

    /// What a holder does: send a bounded batch, then pass at once if lines
    /// are left or someone waits; otherwise hold for the idle time.
    ///
    /// A holder that sent, has nothing left and sees nobody waiting keeps
    /// the token until the end of the shell's turn (`.turnEnd`): a line
    /// typed in answer to its own delivery (a chat client, the benchmark's
    /// sender) then goes out in this visit, within the visit's `maxBatch`,
    /// instead of a full rotation later. Totem's holder likewise sends what
    /// its window allows before passing.
    func actAsHolder(now: Instant) {
        guard let held = holding else { return }
        let alone = successor(now: now) == id
        if alone { installed = held.ring }
        if installed != held.ring {
            // The ring's first rotation: nothing is sent until every member
            // has joined it and told the ring where the old one ends. Lines
            // waiting here or elsewhere want that rotation over at once; an
            // idle token is held as on any visit.
            if !outbox.isEmpty || someoneWaits(now: now) || ringBusy { pass(now: now) }
            return
        }
        if alone { holding!.sent = 0 } // every batch is a visit: nobody else to wait for
        let sent = sendBatch(now: now)
        if alone {
            if !outbox.isEmpty { actAsHolder(now: now) }
            return
        }
        if !outbox.isEmpty || someoneWaits(now: now) || (ringBusy && !sent && holding?.passAtTurnEnd != true) {
            pass(now: now)
        } else if sent {
            holding!.passAtTurnEnd = true
        }
    }

    /// Messages were sent since this node last passed the token (or, until
    /// it first does, since it entered the ring): the ring is carrying
    /// traffic, and holding an idle token for `idleHold` would stall every
    /// sender whose window is full, waiting for its messages to come back
    /// (Totem keeps the token moving while there is traffic).
    var ringBusy: Bool {
        guard let h = holding, let last = lastPassedSeq, last.ring == h.ring else { return false }
        return h.nextSeq > last.seq
    }

    func someoneWaits(now: Instant) -> Bool {
        let fresh = memberTimeout
        if requesters.contains(where: { $0.key != id && now - $0.value <= fresh }) { return true }
        return membership.peers.contains { $0.value.queued > 0 && now - $0.value.lastHeard <= fresh }
    }

    /// Sends up to `maxBatch` outbox lines, packed into datagrams.
    @discardableResult
    func sendBatch(now: Instant) -> Bool {
        guard var h = holding, !outbox.isEmpty, h.sent < config.maxBatch else { return false }
        let n = min(config.maxBatch - h.sent, outbox.count)
        // Only a forged token brings a ring near the ceiling; its seqs stop
        // there (peers would refuse them) and a new ring takes over.
        guard h.nextSeq <= PacketValidator.ceiling - UInt64(n) else {
            regenerate(now: now)
            return false
        }
        let first = h.nextSeq
        var fresh: [ChatMessage] = []
        fresh.reserveCapacity(n)
        for e in outbox.prefix(n) {
            let m = ChatMessage(id: e.id, nick: e.nick, text: e.text, kind: e.kind, room: e.room,
                                slot: Slot(ring: h.ring, seq: h.nextSeq), timestamp: e.timestamp)
            h.nextSeq += 1
            fresh.append(m)
        }
        outbox.removeFirst(n)
        h.sent += n
        holding = h
        emit(.token(.sent(ring: h.ring, seqs: first...(h.nextSeq - 1))))
        sendPacked(fresh, retransmission: false)
        sequencer.known = max(sequencer.known, h.nextSeq - 1)
        for m in fresh { store(m, now: now) }
        return true
    }

    func pass(now: Instant) {
        guard let h = holding else { return }
        let to = successor(now: now)
        guard to != id else { holding?.passAtTurnEnd = false; return }
        guard h.hop < PacketValidator.ceiling else { regenerate(now: now); return } // as in sendBatch
        let toInc = membership.peers[to]?.incarnation ?? 0
        if installed != h.ring { raiseLineage() }
        let t = Token(ring: h.ring, hop: h.hop + 1, to: to, toIncarnation: toInc, nextSeq: h.nextSeq, lineage: lineage)
        holding = nil
        lastHopSeen = t.hop
        lastPassNextSeq = t.nextSeq
        lastPassedSeq = (h.ring, h.nextSeq)
        passing = PendingPass(token: t, sentAt: now, resendAt: now + resendInterval, retries: 0)
        lastPass = passing
        delays.sawPass(ring: h.ring, hop: t.hop, to: to, at: now)
        holderGuess = to
        emit(.token(.passed(ring: h.ring, hop: t.hop, to: to)))
        send(.token(t))
    }

    /// Re-sends an unanswered pass; after `tokenRetries` the successor is
    /// declared silent. Skipping it by re-addressing the same token could
    /// create two holders (it may have taken the token and only its ack was
    /// lost), so we form a new, higher ring without it instead: whatever it
    /// sends in the old ring stays valid and sorts before the new ring.
    func checkPass(now: Instant) {
        guard var p = passing else { return }
        // The membership already declared the successor dead: re-sending to
        // it would only add `tokenRetries` round trips to the failover.
        let dead = !membership.isLive(p.token.to, now: now, timeout: memberTimeout)
        // A restart (a newer incarnation was heard): the token is addressed
        // to the old one, which the new one will not take, so it is not
        // re-sent. But the old one may have taken it and passed it on just
        // before it crashed, its pass overtaken by the new heartbeat: the
        // pass is given up only when its re-send falls due, a round trip
        // after it was last sent, when such an answer would have come.
        let restarted = membership.peers[p.token.to].map { $0.incarnation > p.token.toIncarnation } ?? false
        guard dead || now >= p.resendAt else { return }
        if !dead && !restarted && (p.retries < config.tokenRetries || slowButAlive(p, now: now)) {
            p.retries += 1
            p.resendAt = now + resendInterval
            passing = p
            send(.token(p.token))
            return
        }
        passing = nil
        membership.suspect(p.token.to, until: now + memberTimeout)
        emit(.token(.successorSilent(p.token.to)))
        regenerate(now: now)
    }

    /// A successor that spoke (in the incarnation the token is addressed
    /// to) since we passed is alive, only slow to take the token: a CPU
    /// busy with a burst. Forming a new ring without it would reorder its
    /// in-flight messages for nothing, so it gets up to twice the member
    /// timeout from the first send, or twice the delay it has shown in
    /// taking passes (MemberDelays: a member whose datagrams arrive a
    /// second late), whichever is longer. Bounded, so that a one-way loss
    /// (we hear it, it does not hear us) still ends in a new ring.
    ///
    /// Only what it said a re-send interval after the pass counts: earlier
    /// datagrams may have crossed the pass, sent before it arrived. A
    /// successor killed under load has its last ones still queued here when
    /// we pass, and counting them held the failover off until the member
    /// timeout ran out from them (~450 ms, not the ~200 ms of re-sends).
    func slowButAlive(_ p: PendingPass, now: Instant) -> Bool {
        guard let peer = membership.peers[p.token.to], peer.incarnation == p.token.toIncarnation else { return false }
        return peer.lastHeard > p.sentAt + resendInterval
            && now - p.sentAt < max(memberTimeout * 2, delays.timeout(for: p.token.to) * 2)
    }

    /// Creates a new ring above every ring seen and holds its token.
    func regenerate(now: Instant) {
        // Epochs stop at the ceiling, where peers still accept them.
        let r = RingID(epoch: min(highestEpoch.addingSaturating(1), PacketValidator.ceiling), creator: id, incarnation: incarnation)
        let from = ring.map { RingLineage(previous: $0, last: sequencer.known) }
        switchRing(to: r, evidence: 1, lineage: from, now: now)
        stats.ringsFormed += 1
        emit(.token(.regenerated(ring: r)))
        accept(ring: r, hop: 0, nextSeq: 1, from: nil, now: now)
    }

    func checkHolder(now: Instant) {
        guard let h = holding else { return }
        if h.passAtTurnEnd { pass(now: now); return }
        if !outbox.isEmpty || someoneWaits(now: now) || now >= h.since + config.idleHold {
            if outbox.isEmpty && successor(now: now) == id { return }
            actAsHolder(now: now)
            if holding != nil, now >= h.since + config.idleHold { pass(now: now) }
        }
    }
}
