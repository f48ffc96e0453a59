/// Filling gaps: NACKs for the current ring's hold-back queue (fast path),
/// and the reconciler's version-vector anti-entropy (the path that always
/// converges, across rings, partitions and restarts).
extension Node {
    /// Reports on the ring being finished (its holes, Node+Settle) and
    /// NACKs the gaps of the current ring.
    func sendNack(now: Instant) {
        if let last = sequencer.lastNack, now < last + config.nackInterval { return }
        var sent = false
        if let f = sequencer.finishing, f.next <= f.last {
            sendSettle(now: now)
            sent = true
        }
        if sequencer.hasGap, let r = sequencer.ring, let next = sequencer.next {
            sent = nack(r, from: next, to: sequencer.known) || sent
        }
        if sent { sequencer.lastNack = now }
    }

    /// One NACK for the seqs of `ring` in `from...to` that we lack.
    func nack(_ ring: RingID, from: UInt64, to: UInt64) -> Bool {
        let ranges = missingSeqs(ring, from: from, to: min(to, from.addingSaturating(WireLimits.maxNackSpan - 1)),
                                 limit: WireLimits.maxRanges)
        guard !ranges.isEmpty else { return false }
        stats.nacksSent += 1
        send(.nack(Nack(ring: ring, ranges: ranges)))
        return true
    }

    func missingSeqs(_ r: RingID, from: UInt64, to: UInt64, limit: Int) -> [ClosedRange<UInt64>] {
        guard from <= to else { return [] }
        var ranges: [ClosedRange<UInt64>] = []
        var start: UInt64? = nil
        for s in from...to {
            let have = log.isOccupied(Slot(ring: r, seq: s))
            if !have, start == nil { start = s }
            if have, let st = start {
                ranges.append(st...(s - 1))
                start = nil
                if ranges.count == limit { return ranges }
            }
        }
        if let st = start { ranges.append(st...to) }
        return ranges
    }

    /// Answers for the slots we are responsible for: our own messages, or,
    /// when their origin is gone, the lowest live node answers. Anything
    /// else is left to the reconciler, which asks exactly one peer.
    ///
    /// Slots the cache has let go of are read from the shell's store first
    /// (Node+History): the answer waits for `stored`, the messages read.
    func answerNack(_ n: Nack, from requester: NodeID, now: Instant, stored: [Slot: ChatMessage]? = nil) {
        if stored == nil, !log.isComplete {
            let evicted = evictedSlots(n)
            if !evicted.isEmpty {
                readHistory(evicted.map(HistoryRequest.Read.slot), then: .nack(n, requester: requester, slots: evicted))
                return
            }
        }
        let order = ringOrder(now: now).filter { $0 != requester }
        let iAmFallback = order.first == id
        var out: [ChatMessage] = []
        for slot in examinedSlots(n) {
            guard let m = log.message(at: slot) ?? (log.isOccupied(slot) ? stored?[slot] : nil) else { continue }
            let originLive = membership.isLive(m.id.origin, now: now, timeout: memberTimeout)
            guard m.id.origin == id || (!originLive && iAmFallback) else { continue }
            if let t = recentResends[slot], now - t < config.nackInterval / 2 { continue }
            recentResends[slot] = now
            out.append(m)
        }
        resend(out, now: now)
    }

    /// The slots `answerNack` examines that are held but not cached.
    func evictedSlots(_ n: Nack) -> [Slot] {
        examinedSlots(n).filter { log.message(at: $0) == nil && log.isOccupied($0) }
    }

    /// The slots a NACK asks for, at most 512 of them: what one answer
    /// examines (a hostile NACK may name millions).
    func examinedSlots(_ n: Nack) -> [Slot] {
        var slots: [Slot] = []
        outer: for range in n.ranges {
            for seq in range {
                if slots.count == 512 { break outer }
                slots.append(Slot(ring: n.ring, seq: seq))
            }
        }
        return slots
    }

    /// Sends re-sent messages within the per-second budget.
    func resend(_ ms: [ChatMessage], now: Instant) {
        guard !ms.isEmpty else { return }
        let rate = Double(config.resendBudgetPerSecond)
        resendBudget = min(rate / 10, resendBudget + rate * (now - resendBudgetAt).milliseconds / 1000)
        resendBudgetAt = now
        let n = min(ms.count, Int(resendBudget))
        guard n > 0 else { return }
        resendBudget -= Double(n)
        stats.resent += n
        sendPacked(Array(ms.prefix(n)), retransmission: true)
    }

    /// Compares a peer's digest page with ours and asks that peer for
    /// exactly the counters we lack (at most one open request per stream).
    func reconcile(with peer: NodeID, heartbeat hb: Heartbeat, now: Instant) {
        guard !catchUpPaused, hb.digest.hash != log.summary.hash || hb.digest.messages != UInt64(log.count) else { return }
        var ranges: [StreamRange] = []
        var budget = config.reconcileBatch
        for e in hb.page {
            if let ask = reconcileOutstanding[e.stream], now < ask.until { continue }
            askFor(e, from: peer, now: now, into: &ranges, budget: &budget)
            if ranges.count >= WireLimits.maxRanges || budget <= 0 { break }
        }
        sendReconcile(ranges, to: peer)
    }

    /// Adds to `ranges` the counters of `e`'s stream we lack, lowest first,
    /// within `budget` counters, and records the ask.
    func askFor(_ e: DigestEntry, from peer: NodeID, now: Instant, into ranges: inout [StreamRange], budget: inout Int) {
        let mine = log.entry(for: e.stream)
        if e.setHash == mine.setHash && e.count == mine.count { return }
        guard e.max > mine.contiguous, budget > 0 else { return }
        let lo = mine.contiguous + 1 // below e.max, so no overflow
        let hi = min(e.max, lo.addingSaturating(WireLimits.maxReconcileSpan - 1))
        var asked: [ClosedRange<UInt32>] = []
        for g in log.missing(in: e.stream, lo...hi, limit: WireLimits.maxRanges - ranges.count) where budget > 0 {
            let take = min(Int(g.upperBound - g.lowerBound) + 1, budget)
            let r = g.lowerBound...(g.lowerBound + UInt32(take - 1))
            budget -= take
            asked.append(r)
            ranges.append(StreamRange(stream: e.stream, counters: r))
        }
        guard !asked.isEmpty else { return }
        reconcileOutstanding[e.stream] = ReconcileAsk(until: now + config.reconcileRetry, peer: peer, ranges: asked)
    }

    func sendReconcile(_ ranges: [StreamRange], to peer: NodeID) {
        guard !ranges.isEmpty else { return }
        stats.reconcileRequests += 1
        send(.reconcileRequest(ReconcileRequest(target: peer, ranges: ranges)))
    }

    /// After re-sent messages of `streams` arrived: a request they complete
    /// is followed at once by the next one (from the peer's latest digest),
    /// so catching up runs at the pace of the round trip, not of the retry
    /// timer.
    func followUpReconcile(_ streams: Set<StreamID>, now: Instant) {
        guard !catchUpPaused else { return }
        var byPeer: [NodeID: [StreamRange]] = [:]
        var budgets: [NodeID: Int] = [:]
        for s in streams.sorted() {
            guard let ask = reconcileOutstanding[s],
                  ask.ranges.allSatisfy({ log.missing(in: s, $0, limit: 1).isEmpty }) else { continue }
            reconcileOutstanding[s] = nil
            guard let e = membership.peers[ask.peer]?.entries[s] else { continue }
            var ranges = byPeer[ask.peer] ?? []
            var budget = budgets[ask.peer] ?? config.reconcileBatch
            askFor(e, from: ask.peer, now: now, into: &ranges, budget: &budget)
            byPeer[ask.peer] = ranges
            budgets[ask.peer] = budget
        }
        for (peer, ranges) in byPeer.sorted(by: { $0.key < $1.key }) { sendReconcile(ranges, to: peer) }
    }

    func answerReconcile(_ r: ReconcileRequest, now: Instant) {
        guard r.target == id else { return }
        let rate = Double(config.reconcileAnswerPerSecond)
        let cap = Double(config.reconcileBatch * 2)
        answerBudget = min(cap, answerBudget + rate * (now - answerBudgetAt).milliseconds / 1000)
        answerBudgetAt = now
        let limit = min(config.reconcileBatch, Int(answerBudget))
        guard limit > 0 else { return }
        continueReconcileAnswer(ReconcileAnswer(request: r, limit: limit), stored: nil, now: now)
    }

    /// Gathers the answer range by range, from the cache; at a range the
    /// cache does not hold completely it asks the shell's store and resumes
    /// on the answer (`stored`: what the store holds of `state.next`).
    func continueReconcileAnswer(_ state: ReconcileAnswer, stored: [ChatMessage]?, now: Instant) {
        var state = state
        var stored = stored
        while state.next < state.request.ranges.count, state.out.count < state.limit {
            let range = state.request.ranges[state.next]
            let limit = state.limit - state.out.count
            let (cached, complete) = log.messages(in: range.stream, range.counters, limit: limit)
            // The store's answer is for the first range gathered here only.
            let fromStore = stored
            stored = nil
            if complete {
                state.out += cached
            } else if let fromStore {
                state.out += held(range, limit: limit, cached: cached, stored: fromStore)
            } else {
                readHistory([.stream(range.stream, counters: range.counters, limit: limit)], then: .reconcile(state))
                return
            }
            state.next += 1
        }
        guard !state.out.isEmpty else { return }
        answerBudget -= Double(state.out.count)
        stats.resent += state.out.count
        sendPacked(state.out, retransmission: true)
    }

    /// The messages of `range` this node holds, in counter order: the
    /// store's (with the cache's newest lines, which the disk may not have
    /// yet).
    func held(_ range: StreamRange, limit: Int, cached: [ChatMessage], stored: [ChatMessage]) -> [ChatMessage] {
        var byCounter: [UInt32: ChatMessage] = [:]
        for m in stored.prefix(limit) where log.contains(m.id) {
            byCounter[m.id.counter] = log.message(m.id) ?? m
        }
        for m in cached { byCounter[m.id.counter] = m }
        return byCounter.keys.sorted().prefix(limit).map { byCounter[$0]! }
    }

    /// Messages known to exist but not held: the current ring's gaps, or
    /// the largest deficit some live peer's digest shows, whichever is more.
    func computeLag(now: Instant) -> Int {
        var ringLag = 0
        if let r = sequencer.ring, let next = sequencer.next, sequencer.known >= next {
            let hi = min(sequencer.known, next.addingSaturating(10_000))
            for s in next...hi where !log.isOccupied(Slot(ring: r, seq: s)) { ringLag += 1 }
        }
        if let f = sequencer.finishing, f.next <= f.last {
            for s in f.next...min(f.last, f.next.addingSaturating(10_000)) where !log.isOccupied(Slot(ring: f.ring, seq: s)) { ringLag += 1 }
        }
        // The live peers in any order (the maximum does not care): no
        // sort, no lookup, one hash per entry.
        var best: [StreamID: UInt32] = [:]
        let timeout = memberTimeout, myHash = log.summary.hash
        for peer in membership.peers.values where now - peer.lastHeard <= timeout {
            if peer.summary?.hash == myHash { continue }
            for (s, e) in peer.entries { Self.raise(&best[s, default: 0], to: e.count) }
        }
        var streamLag = 0
        for (s, c) in best {
            let mine = log.entry(for: s).count
            if c > mine { streamLag += Int(c - mine) }
        }
        return max(ringLag, streamLag)
    }

    static func raise(_ x: inout UInt32, to v: UInt32) { if v > x { x = v } }

    /// A peer's lag as far as its digest pages tell: what we hold that it
    /// does not.
    func peerLag(_ p: Membership.Peer) -> Int {
        if p.summary?.hash == log.summary.hash { return 0 }
        var lag = 0
        log.forEachStreamCount { s, mine in
            let theirs = p.entries[s]?.count ?? 0
            if mine > theirs { lag += Int(mine - theirs) }
        }
        return lag
    }
}

/// A reconcile request being answered: where `continueReconcileAnswer`
/// stands in it.
struct ReconcileAnswer {
    var request: ReconcileRequest
    /// Messages the answer carries at most (the batch, within the budget).
    var limit: Int
    /// The next range to gather, and what was gathered so far.
    var next = 0
    var out: [ChatMessage] = []
}

/// A reconcile request in flight for one stream.
struct ReconcileAsk {
    var until: Instant
    var peer: NodeID
    var ranges: [ClosedRange<UInt32>]
}
