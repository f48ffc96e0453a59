/// Settling the end of a replaced ring at once, as Totem's recovery does
/// (totemsrp.c, `memb_state_recovery_enter`): every member that moves on
/// reports what it holds of the old ring (`Settle`: its holes up to the
/// highest seq it knows of); whoever holds what another lacks re-sends it;
/// a seq that every live member reports as not held is missing for that
/// ring, and the node skips it at once instead of after the hole timeout.
/// The new ring's messages wait only for that.
extension Node {
    /// Multicasts this node's report on the ring it is finishing.
    func sendSettle(now: Instant) {
        guard let f = sequencer.finishing else { return }
        armed.settleReport = now + config.nackInterval
        send(.settle(report(on: f.ring, from: f.next, high: f.last)))
    }

    /// What this node holds of `r` from `from` on, up to `high` (bounded by
    /// one NACK span and `maxRanges` holes: `through` says how far the
    /// report is complete).
    func report(on r: RingID, from: UInt64, high: UInt64) -> Settle {
        let from = max(1, min(from, high &+ 1))
        var holes: [ClosedRange<UInt64>] = []
        var through = from - 1
        var start: UInt64? = nil
        let end = from > high ? high : min(high, from + WireLimits.maxNackSpan - 1)
        var s = from
        while s <= end {
            if !log.isOccupied(Slot(ring: r, seq: s)) {
                if start == nil {
                    if holes.count == WireLimits.maxRanges { break }
                    start = s
                }
            } else if let st = start {
                holes.append(st...(s - 1))
                start = nil
            }
            through = s
            s += 1
        }
        if let st = start { holes.append(st...through) }
        return Settle(ring: r, from: from, through: through, high: high, holes: holes)
    }

    /// The highest seq of `r` from `from` on that this node knows of,
    /// looking in its log at most one NACK span past `hint`.
    func highestKnown(of r: RingID, from: UInt64, hint: UInt64) -> UInt64 {
        if r == sequencer.ring { return max(sequencer.known, scanHighest(r, from: from, hint: hint)) }
        if let f = sequencer.finishing, f.ring == r { return max(f.last, scanHighest(r, from: from, hint: hint)) }
        var high = scanHighest(r, from: from, hint: hint)
        if let l = lineage, l.previous == r { high = max(high, l.last) }
        return high
    }

    /// The highest seq held from `from` up to one span above `hint`, from
    /// the ring's ranges (a scan slot by slot was three quarters of the
    /// simulator's time with a hostile peer sending settles).
    private func scanHighest(_ r: RingID, from: UInt64, hint: UInt64) -> UInt64 {
        let from = max(1, from)
        let top = hint.addingSaturating(WireLimits.maxNackSpan)
        guard from <= top else { return from - 1 }
        return log.lastHeld(in: r, from...top) ?? from - 1
    }

    func receiveSettle(_ s: Settle, from peer: NodeID, now: Instant) {
        resendWhatIsLacking(s, requester: peer, now: now)
        if var f = sequencer.finishing, f.ring == s.ring {
            let firstFromPeer = settleReports[peer] == nil
            settleReports[peer] = s
            if s.high > f.last {
                // At most one NACK span at a time: a forged `high` must not
                // make this node wait for (and skip through) 2^40 seqs.
                f.last = min(s.high, f.last + WireLimits.maxNackSpan)
                sequencer.finishing = f
            }
            // Our report is what the peer needs to settle its own holes.
            if firstFromPeer { sendSettle(now: now) }
            drain(now: now)
            skipSettledHoles(now: now)
        } else if settleReplies[s.ring].map({ now - $0 >= config.nackInterval / 2 }) ?? true {
            // Not finishing that ring (done with it, or never in it): still
            // say what we hold, or the others must wait for the hole timeout.
            settleReplies[s.ring] = now
            let high = highestKnown(of: s.ring, from: s.from, hint: s.high)
            send(.settle(report(on: s.ring, from: s.from, high: high)))
        }
    }

    /// Re-sends what the report says its sender lacks and this node holds:
    /// the origin answers for its own messages; for a dead origin's, the
    /// lowest live node known to hold the seq.
    func resendWhatIsLacking(_ s: Settle, requester: NodeID, now: Instant) {
        let myHigh = highestKnown(of: s.ring, from: s.from, hint: s.high)
        var wanted: [ClosedRange<UInt64>] = s.holes
        if s.through >= s.high, myHigh > s.high { wanted.append((s.high + 1)...min(myHigh, s.high + WireLimits.maxNackSpan)) }
        let order = ringOrder(now: now)
        var out: [ChatMessage] = []
        var examined = 0
        outer: for range in wanted {
            for seq in range {
                examined += 1
                if examined > 512 { break outer }
                let slot = Slot(ring: s.ring, seq: seq)
                guard let m = log.message(at: slot) else { continue }
                if m.id.origin != id {
                    if membership.isLive(m.id.origin, now: now, timeout: memberTimeout) { continue }
                    let lowerHolder = order.contains { $0 < id && $0 != requester && settleReports[$0]?.ring == s.ring && settleReports[$0]?.lacks(seq) == false }
                    if lowerHolder { continue }
                }
                if let t = recentResends[slot], now - t < config.nackInterval / 2 { continue }
                recentResends[slot] = now
                out.append(m)
            }
        }
        resend(out, now: now)
    }

    /// Skips the finishing ring's holes that no live member holds.
    func skipSettledHoles(now: Instant) {
        guard var f = sequencer.finishing else { return }
        var skipped = false
        var budget = Int(WireLimits.maxNackSpan)  // bounded work per call
        while budget > 0, f.next <= f.last, !log.isOccupied(Slot(ring: f.ring, seq: f.next)),
              settledMissing(f.next, ring: f.ring, now: now) {
            budget -= 1
            f.next += 1
            stats.holesSkipped += 1
            stats.settledMissing += 1
            skipped = true
        }
        guard skipped else { return }
        // The hole timer keeps running: a forged end far away (a lineage
        // 2^40 ahead) is skipped through by `checkHole` in one step, not
        // one span per tick.
        sequencer.finishing = f
        drain(now: now)
    }

    /// Every live member has reported that it lacks `seq` of `r`.
    func settledMissing(_ seq: UInt64, ring r: RingID, now: Instant) -> Bool {
        for m in ringOrder(now: now) where m != id {
            guard let rep = settleReports[m], rep.ring == r, rep.lacks(seq) == true else { return false }
        }
        return true
    }
}
