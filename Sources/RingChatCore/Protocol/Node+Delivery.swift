/// Receiving packets, storing messages, and delivering them in the agreed
/// order through the hold-back queue.
extension Node {
    func receive(_ p: Packet, now: Instant) {
        // Our own datagrams come back through multicast loopback.
        guard p.sender != id else { return }
        guard admit(p, now: now) else { return }
        guard membership.heard(p.sender, incarnation: p.incarnation, at: now) else {
            // Sent by a peer before it restarted, and overtaken by its new
            // incarnation's heartbeat: it proves nothing about the peer's
            // liveness, but a pass it made before crashing is still the
            // ring's one token (the new incarnation holds nothing). Ignoring
            // it lost the token, and a ring was formed that nothing required
            // (a simulated crash on a jittery network).
            if case .token(let t) = p.body { receiveToken(t, from: p.sender, now: now) }
            return
        }
        if leaving != nil, refuseWhileLeaving(p, now: now) { return }
        switch p.body {
        case .heartbeat(let hb): receiveHeartbeat(hb, from: p.sender, now: now)
        case .token(let t): receiveToken(t, from: p.sender, now: now)
        case .tokenAck(let a): receiveAck(a, from: p.sender, now: now)
        case .tokenRequest:
            requesters[p.sender] = now
            if holding != nil { checkHolder(now: now) }
        case .data(let d): receiveData(d, from: p.sender, now: now)
        case .nack(let n): answerNack(n, from: p.sender, now: now)
        case .reconcileRequest(let r): answerReconcile(r, now: now)
        case .settle(let s): receiveSettle(s, from: p.sender, now: now)
        case .leave(let l): receiveLeave(l, from: p.sender, incarnation: p.incarnation, now: now)
        }
    }

    func receiveHeartbeat(_ hb: Heartbeat, from sender: NodeID, now: Instant) {
        membership.update(sender, with: hb)
        highestEpoch = max(highestEpoch, hb.highestEpoch)
        if let r = hb.ring, ring.map({ r > $0 }) ?? true {
            // A higher ring is alive: join it (its token will reach us).
            switchRing(to: r, evidence: nil, lineage: hb.lineage, now: now)
        }
        if hb.ring == ring { learn(hb.lineage, now: now) }
        if hb.queued > 0 { requesters[sender] = now }
        reconcile(with: sender, heartbeat: hb, now: now)
    }

    func receiveData(_ d: DataBatch, from sender: NodeID, now: Instant) {
        defer {
            if d.retransmission, !reconcileOutstanding.isEmpty {
                followUpReconcile(Set(d.messages.map(\.id.stream)).filter { reconcileOutstanding[$0] != nil }, now: now)
            }
        }
        if !d.retransmission, let first = d.messages.first {
            delays.sawAct(by: sender, ring: first.slot.ring, hop: nil, at: now)
        }
        for m in d.messages {
            if !d.retransmission {
                if ring == nil || m.slot.ring > ring! {
                    switchRing(to: m.slot.ring, evidence: m.slot.seq, lineage: d.lineage, now: now)
                }
                if m.slot.ring == ring {
                    learn(d.lineage, now: now)
                    noteActivity(now: now)
                    joinBase(m.slot.seq, now: now)
                    if let p = passing, m.slot.seq >= p.token.nextSeq {
                        if sender == p.token.to { passAnswered(p, now: now) }
                        passing = nil
                    }
                    if m.slot.seq >= lastPassNextSeq { setHolder(sender) }
                }
            }
            store(m, now: now)
        }
    }

    /// Adds a message to the log (and the replica) and delivers whatever it
    /// unblocks.
    func store(_ m: ChatMessage, now: Instant) {
        switch log.insert(m) {
        case .conflict: stats.conflicts += 1; return
        case .duplicate:
            stats.duplicates += 1
            if refill.pending > 0 { refilled(m, now: now) }
            return
        case .new: persist(m)
        case .extraSlot: if refill.pending > 0 { refilled(m, now: now) }
        }
        if let f = sequencer.finishing, m.slot.ring == f.ring {
            if m.slot.seq > f.last { sequencer.finishing!.last = m.slot.seq }
            if m.slot.seq < f.next { deliverLate(m) }
            drain(now: now)
        } else if let i = sequencer.queued.firstIndex(where: { $0.ring == m.slot.ring }) {
            // A ring waiting behind the one being finished: shown in its turn.
            if m.slot.seq > sequencer.queued[i].last { sequencer.queued[i].last = m.slot.seq }
            if m.slot.seq < sequencer.queued[i].next { deliverLate(m) }
        } else if m.slot.ring == ring {
            sequencer.known = max(sequencer.known, m.slot.seq)
            if let next = sequencer.next, m.slot.seq < next { deliverLate(m) }
            drain(now: now)
        } else if reopen(for: m, now: now) {
            return
        } else {
            deliverLate(m)
        }
    }

    /// A message outside the in-order path of the current ring: history, a
    /// filled hole, or another partition's ring.
    func deliverLate(_ m: ChatMessage) {
        guard let canonical = log.message(m.id), !log.isDelivered(m.id) else { return }
        deliver(canonical)
    }

    /// Marks a message of the log delivered and shows it.
    func deliver(_ m: ChatMessage) {
        // `m` comes from the log: its slot is the canonical one, cached.
        log.markDelivered(m.id, at: m.slot)
        show(m)
    }

    /// Shows a message the log holds as delivered; it is a backfill when it
    /// sorts before something already shown (the screen inserts it in place).
    /// (`consuming`: the drain hands over the log's copy, which becomes the
    /// effect's without another retain of its strings.)
    func show(_ m: consuming ChatMessage) {
        let backfill = sequencer.lastDelivered.map { m.slot < $0 } ?? false
        if backfill {
            stats.backfills += 1
        } else if sequencer.lastDelivered.map({ m.slot > $0 }) ?? true {
            sequencer.lastDelivered = m.slot
        }
        emit(.deliver(m, backfill: backfill))
    }

    /// Fixes where this node starts delivering the current ring; what it
    /// already holds below that point is history, delivered as late.
    func joinBase(_ seq: UInt64, now: Instant) {
        guard sequencer.next == nil, let r = sequencer.ring else { return }
        sequencer.setBase(seq)
        if let next = sequencer.next, next > 1 {
            for m in log.held(in: r, 1...(next - 1)) { deliverLate(m) }
        }
        // Messages fetched before the base was known may now be deliverable.
        drain(now: now)
    }

    /// Delivers the current ring's messages in seq order while there is no
    /// gap.
    func drain(now: Instant) {
        var promoted = false
        while var f = sequencer.finishing {
            while f.next <= f.last, log.isOccupied(Slot(ring: f.ring, seq: f.next)) {
                // An occupied slot that is not cached holds an old message
                // shown long ago (the extra slot of a re-sent line).
                if let m = log.takeUndelivered(at: Slot(ring: f.ring, seq: f.next)) { show(m) }
                f.next += 1
                f.holeSince = nil
            }
            guard f.next > f.last else {
                // The current ring waits until the old one is complete.
                if f.holeSince == nil { f.holeSince = now }
                sequencer.finishing = f
                // A ring that waited behind another: its end is settled
                // now, as when it was left (Node+Settle).
                if promoted { sendSettle(now: now) }
                return
            }
            sequencer.finished = (f.ring, f.last)
            sequencer.finishing = sequencer.queued.isEmpty ? nil : sequencer.queued.removeFirst()
            if sequencer.finishing != nil {
                settleReports = [:]
                promoted = true
            }
        }
        guard let r = sequencer.ring, var next = sequencer.next else { return }
        var progressed = false
        while log.isOccupied(Slot(ring: r, seq: next)) {
            if let m = log.takeUndelivered(at: Slot(ring: r, seq: next)) { show(m) }
            next += 1
            progressed = true
        }
        sequencer.next = next
        if progressed { sequencer.holeSince = nil }
        if sequencer.hasGap, sequencer.holeSince == nil { sequencer.holeSince = now }
    }

    /// Before leaving a ring: deliver what its hold-back queue kept, skipping
    /// holes (they arrive later, if ever, through the reconciler).
    func flushHeldBack(now: Instant) {
        // Not knowing where we joined (no token or fresh data seen yet)
        // means everything held of this ring is still undelivered.
        guard let r = sequencer.ring else { return }
        let start = sequencer.next ?? 1
        guard sequencer.known >= start else { return }
        for m in log.held(in: r, start...sequencer.known) where !log.isDelivered(m.id) {
            deliver(m)
        }
    }

    /// Delivers what is held of the ring being finished, and of those
    /// waiting behind it, in order, skipping holes.
    func flushFinishing(now: Instant) {
        while let f = sequencer.finishing {
            sequencer.finishing = sequencer.queued.isEmpty ? nil : sequencer.queued.removeFirst()
            sequencer.finished = (f.ring, f.last)
            guard f.next <= f.last else { continue }
            for m in log.held(in: f.ring, f.next...f.last) where !log.isDelivered(m.id) { deliver(m) }
        }
    }

    /// Gives up on the hole at `next` after the hole timeout: skips to the
    /// next held seq (found among what is held: the hole may be as wide as
    /// a peer's claim).
    func checkHole(now: Instant) {
        if var f = sequencer.finishing, let since = f.holeSince, now >= since + config.holeTimeout {
            if f.next <= f.last {
                let to = log.firstHeld(in: f.ring, f.next...f.last) ?? f.last.addingSaturating(1)
                stats.holesSkipped = stats.holesSkipped.addingSaturating(Int(clamping: to - f.next))
                f.next = to
            }
            f.holeSince = nil
            sequencer.finishing = f
            drain(now: now)
        }
        guard sequencer.hasGap, let since = sequencer.holeSince, now >= since + config.holeTimeout,
              let r = sequencer.ring, var next = sequencer.next else { return }
        if next <= sequencer.known {
            let to = log.firstHeld(in: r, next...sequencer.known) ?? sequencer.known.addingSaturating(1)
            stats.holesSkipped = stats.holesSkipped.addingSaturating(Int(clamping: to - next))
            next = to
        }
        sequencer.next = next
        sequencer.holeSince = nil
        drain(now: now)
    }

    /// Packs messages into as few datagrams as the budget allows, in order:
    /// each datagram is a run `ms[start..<i]`.
    func sendPacked(_ ms: [ChatMessage], retransmission: Bool) {
        let overhead = WireCodec.dataOverhead + (!retransmission && lineage != nil ? WireCodec.lineageBytes : 0)
        var start = 0
        var size = overhead
        for i in ms.indices {
            // A message is smaller after another (`MessageShape`), so its
            // size depends on where it lands.
            var s = i == start ? WireCodec.encodedSize(of: ms[i]) : WireCodec.encodedSize(of: ms[i], after: ms[i - 1])
            if i > start && (size + s > config.maxDatagram || i - start == WireLimits.maxMessagesPerPacket) {
                send(.data(DataBatch(retransmission: retransmission, messages: Array(ms[start..<i]),
                                     lineage: retransmission ? nil : lineage)))
                start = i
                size = overhead
                s = WireCodec.encodedSize(of: ms[i])
            }
            size += s
        }
        if start < ms.count {
            send(.data(DataBatch(retransmission: retransmission, messages: start == 0 ? ms : Array(ms[start...]),
                                 lineage: retransmission ? nil : lineage)))
        }
    }
}
