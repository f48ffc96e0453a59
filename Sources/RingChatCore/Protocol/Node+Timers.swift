/// Periodic work: heartbeats (with a digest page), token timers, hole and
/// NACK timers, token requests, checkpoints, and the status bar.
extension Node {
    func tick(now: Instant) {
        lastTick = now
        if now >= nextHeartbeat {
            sendHeartbeat(now: now)
            // A little jitter keeps nodes started together from beating in
            // lockstep.
            let jitter = Int64(rng.next() % 10) * 1_000_000
            nextHeartbeat = now + config.heartbeatInterval + .nanoseconds(jitter)
            membership.forgetDead(now: now, after: memberTimeout * 20)
            requesters = requesters.filter { now - $0.value <= memberTimeout }
            recentResends = recentResends.filter { now - $0.value < config.nackInterval }
            settleReplies = settleReplies.filter { now - $0.value < config.nackInterval }
            cachedLag = computeLag(now: now)
            cachedPeerLags = membership.peers.mapValues(peerLag)
            lagVersion &+= 1
        }
        if !catchUpPaused, !reconcileOutstanding.isEmpty { followUpReconcile(Set(reconcileOutstanding.keys), now: now) }
        checkPass(now: now)
        checkHolder(now: now)
        checkLoss(now: now)
        skipSettledHoles(now: now)
        checkHole(now: now)
        sendNack(now: now)
        if !outbox.isEmpty, holding == nil, lastRequestSent.map({ now >= $0 + config.idleHold }) ?? true {
            requestToken(now: now)
        }
        if let due = nextCheckpoint, now >= due {
            // An idle node would write the same checkpoint every period:
            // skip it when nothing a checkpoint records has changed.
            if checkpointFingerprint == lastCheckpointFingerprint, let every = config.checkpointEvery {
                nextCheckpoint = now + every
            } else {
                takeCheckpoint(now: now)
            }
        }
    }

    func sendHeartbeat(now: Instant) {
        let streams = log.streamIDs
        var page: [DigestEntry] = []
        if !streams.isEmpty {
            let n = min(config.digestPage, WireLimits.maxDigestPage, streams.count)
            for i in 0..<n { page.append(log.entry(for: streams[(digestCursor + i) % streams.count])) }
            digestCursor = (digestCursor + n) % streams.count
        }
        send(.heartbeat(Heartbeat(nick: nick, ring: ring, queued: UInt32(outbox.count),
                                  highestEpoch: highestEpoch, digest: log.summary, page: page, lineage: lineage)))
    }

    func takeCheckpoint(now: Instant) {
        checkpointNumber += 1
        let cp = Checkpoint(number: checkpointNumber, node: id, incarnation: incarnation, takenAt: wallClock(now),
                            nick: nick, replicaCount: replicaLines, lastDelivered: sequencer.lastDelivered,
                            outbox: outbox, ring: ring, members: ringOrder(now: now),
                            highestEpoch: highestEpoch, draft: draft, log: log.snapshot)
        lastCheckpoint = .init(number: cp.number, takenAt: cp.takenAt, replicaCount: cp.replicaCount)
        lastCheckpointFingerprint = checkpointFingerprint
        if let every = config.checkpointEvery { nextCheckpoint = now + every }
        flushPersisted()
        emit(.writeCheckpoint(cp))
    }

    /// What a checkpoint records that can change while a node runs.
    var checkpointFingerprint: CheckpointFingerprint {
        CheckpointFingerprint(replicaLines: replicaLines, outbox: outbox.map(\.id), nick: nick, draft: draft,
                              ring: ring, highestEpoch: highestEpoch)
    }

    func makeStatus(now: Instant) -> NodeStatus {
        let members = ringOrder(now: now).map { m -> NodeStatus.Member in
            if m == id { return .init(id: m, nick: nick, lag: cachedLag) }
            let p = membership.peers[m]
            return .init(id: m, nick: p?.nick ?? "?", lag: cachedPeerLags[m] ?? 0)
        }
        return NodeStatus(node: id, nick: nick, ring: ring, holder: holding != nil ? id : holderGuess,
                          members: members, lag: cachedLag, queued: outbox.count, lastCheckpoint: lastCheckpoint)
    }

    func emitStatusIfChanged(now: Instant) {
        let key = StatusKey(ring: ring, holder: holding != nil ? id : holderGuess, order: ringOrder(now: now),
                            membership: membership.version, lags: lagVersion, queued: outbox.count,
                            checkpoint: lastCheckpoint, nick: nick)
        // Compared in place: this runs after every input.
        if lastStatusKey?.equals(key) == true { return }
        lastStatusKey = key
        let s = makeStatus(now: now)
        if s != lastStatus {
            lastStatus = s
            emit(.status(s))
        }
    }
}

/// Everything `makeStatus` reads (peers' nicks through the membership's
/// version, lags through their version).
struct StatusKey: Equatable {
    var ring: RingID?
    var holder: NodeID?
    var order: [NodeID]
    var membership: UInt64
    var lags: UInt64
    var queued: Int
    var checkpoint: NodeStatus.CheckpointInfo?
    var nick: String

    /// `==`, cheapest fields first.
    func equals(_ o: StatusKey) -> Bool {
        membership == o.membership && lags == o.lags && queued == o.queued && holder == o.holder && ring == o.ring
            && checkpoint == o.checkpoint && order == o.order && nick == o.nick
    }
}
