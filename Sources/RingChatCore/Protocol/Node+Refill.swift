/// Refilling the replica without a restart: messages this node holds (in
/// its log, shown on its screen) whose replica lines were never written,
/// because the disk was full for longer than the shell could keep the
/// lines in memory (docs/STORAGE.md, "A full disk").
///
/// The shell says which, by stream and counters, once the replica is
/// written again (`Input.replicaMissing`). The node persists at once those
/// its cache still holds, and asks a live peer for the others with the
/// reconcile request of the anti-entropy (Node+Repair): one batch of at
/// most `reconcileBatch` counters at a time, the next as soon as one is
/// complete, again after `reconcileRetry` (of the next live peer) when it
/// is not, and not while the disk is behind (`catchUpPaused`). Each answer
/// is a duplicate for the log: it is persisted (appended at the end of the
/// replica, as a backfill is), never delivered again, and not counted again
/// in `replicaLines` (the checkpoint's count of replica lines already
/// counts it).
extension Node {
    /// Lines the replica lacks that are still to come from peers.
    public var replicaRefillPending: Int { refill.pending }

    /// The shell's replica lacks these messages: write the cached ones,
    /// fetch the rest.
    func replicaMissing(_ ranges: [StreamRange], now: Instant) {
        var fromMemory = 0, asked = 0
        for r in ranges {
            for c in r.counters where log.holds(r.stream, c) {
                let id = MessageID(origin: r.stream.origin, incarnation: r.stream.incarnation, counter: c)
                if let m = log.message(id) {
                    toPersist.append(m)
                    fromMemory += 1
                } else if refill.missing[r.stream, default: RangeSet()].insert(c) {
                    refill.pending += 1
                    asked += 1
                }
            }
        }
        guard fromMemory + asked > 0 else { return }
        emit(.notice("the replica lacks \(fromMemory + asked) lines that were dropped while it could not be written: "
                     + "\(fromMemory) written from memory, \(asked) asked of peers"))
        if refill.pending == 0 {
            refillComplete()
        } else {
            askRefill(now: now)
        }
    }

    /// A message the log already held arrived (an answer, or any re-send):
    /// written if the replica lacks it; the next batch is asked for as
    /// soon as this one is complete.
    func refilled(_ m: ChatMessage, now: Instant) {
        guard refill.missing[m.id.stream]?.remove(m.id.counter) == true else { return }
        if refill.missing[m.id.stream]?.count == 0 { refill.missing[m.id.stream] = nil }
        refill.pending -= 1
        toPersist.append(log.message(m.id) ?? m)
        if refill.pending == 0 {
            refillComplete()
        } else if let ask = refill.ask, isAnswered(ask) {
            askRefill(now: now)
        }
    }

    /// Asks one live peer for the next batch of missing lines, unless a
    /// request is still awaited (`reconcileRetry`). Called on every tick.
    func askRefill(now: Instant) {
        guard refill.pending > 0, !catchUpPaused else { return }
        if let ask = refill.ask {
            let answered = isAnswered(ask)
            if !answered, now < ask.until { return }
            // Unanswered: the next live peer is asked.
            if !answered { refill.attempts += 1 }
        }
        refill.ask = nil
        let ranges = nextRefillBatch()
        guard !ranges.isEmpty, let peer = refillPeer(for: ranges, now: now) else { return }
        refill.ask = RefillAsk(until: now + config.reconcileRetry, peer: peer, ranges: ranges)
        send(.reconcileRequest(ReconcileRequest(target: peer, ranges: ranges)))
    }

    /// The lowest missing counters, stream by stream: at most
    /// `reconcileBatch` counters in `WireLimits.maxRanges` ranges of at
    /// most `maxReconcileSpan` each.
    func nextRefillBatch() -> [StreamRange] {
        var out: [StreamRange] = []
        var budget = UInt64(config.reconcileBatch)
        for s in refill.missing.keys.sorted() {
            for g in refill.missing[s]!.ranges {
                var lo = g.lowerBound
                while true {
                    guard out.count < WireLimits.maxRanges, budget > 0 else { return out }
                    let take = min(UInt64(g.upperBound - lo) + 1, budget, UInt64(WireLimits.maxReconcileSpan))
                    let hi = lo + UInt32(take - 1)
                    out.append(StreamRange(stream: s, counters: lo...hi))
                    budget -= take
                    if hi == g.upperBound { break }
                    lo = hi + 1
                }
            }
        }
        return out
    }

    /// A live peer to ask: those whose digest shows every asked counter
    /// held first; the next one on each unanswered attempt.
    func refillPeer(for ranges: [StreamRange], now: Instant) -> NodeID? {
        let live = membership.livePeers(now: now, timeout: memberTimeout)
        let holders = live.filter { p in
            ranges.allSatisfy { r in (membership.peers[p]?.entries[r.stream]?.contiguous ?? 0) >= r.counters.upperBound }
        }
        let pool = holders.isEmpty ? live : holders
        return pool.isEmpty ? nil : pool[refill.attempts % pool.count]
    }

    func isAnswered(_ ask: RefillAsk) -> Bool {
        ask.ranges.allSatisfy { r in refill.missing[r.stream]?.first(in: r.counters) == nil }
    }

    func refillComplete() {
        // No count: a disk at the edge of full may drop lines again while
        // they are written, and name them again (a line counted twice).
        emit(.notice("the replica is complete again: every line it lacked is written again"))
        refill = ReplicaRefill()
    }
}

/// What the replica lacks and how it is being fetched (Node+Refill).
struct ReplicaRefill {
    /// Counters the log holds and the replica lacks, not in the cache.
    var missing: [StreamID: RangeSet<UInt32>] = [:]
    /// How many counters `missing` holds.
    var pending = 0
    /// The request awaited.
    var ask: RefillAsk?
    /// Unanswered requests so far: which live peer is asked next.
    var attempts = 0
}

/// A refill request awaited until `until`.
struct RefillAsk {
    var until: Instant
    var peer: NodeID
    var ranges: [StreamRange]
}
