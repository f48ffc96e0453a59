/// Periodic work: heartbeats (with a digest page), token timers, hole and
/// NACK timers, token requests, checkpoints, and the status bar.
extension Node {
    func tick(now: Instant) {
        lastTick = now
        localHealth.ticked(at: now)
        if leaving != nil { tickLeaving(now: now); return }
        if now >= armed.heartbeat {
            sendHeartbeat(now: now)
            // A little jitter keeps nodes started together from beating in
            // lockstep.
            let jitter = Int64(rng.next() % 10) * 1_000_000
            armed.heartbeat = now + config.heartbeatInterval + .nanoseconds(jitter)
            membership.forgetDead(now: now, after: memberTimeout * 20)
            requesters = requesters.filter { now - $0.value <= memberTimeout }
            recentResends = recentResends.filter { now - $0.value < config.nackInterval }
            settleReplies = settleReplies.filter { now - $0.value < config.nackInterval }
            cachedLag = computeLag(now: now)
            cachedPeerLags = membership.peers.mapValues(peerLag)
            lagVersion &+= 1
        }
        if !catchUpPaused, !reconcileOutstanding.isEmpty { followUpReconcile(Set(reconcileOutstanding.keys), now: now) }
        if refill.pending > 0 { askRefill(now: now) }
        checkPass(now: now)
        checkHolder(now: now)
        checkLoss(now: now)
        skipSettledHoles(now: now)
        checkHole(now: now)
        sendNack(now: now)
        if !outbox.isEmpty, holding == nil, lastRequestSent.map({ now >= $0 + config.idleHold }) ?? true {
            requestToken(now: now)
        }
        if let due = armed.checkpoint, now >= due {
            // An idle node would write the same checkpoint every period:
            // skip it when nothing a checkpoint records has changed.
            if checkpointFingerprint == lastCheckpointFingerprint, let every = config.checkpointEvery {
                armed.checkpoint = now + every
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
                                  highestEpoch: highestEpoch, digest: log.summary, page: page, lineage: lineage,
                                  rooms: announcedRooms, identity: identityKey)))
    }

    func takeCheckpoint(now: Instant) {
        checkpointNumber += 1
        let cp = Checkpoint(number: checkpointNumber, node: id, incarnation: incarnation, takenAt: wallClock(now),
                            nick: nick, replicaCount: replicaLines, lastDelivered: sequencer.lastDelivered,
                            outbox: outbox, ring: ring, members: ringOrder(now: now),
                            highestEpoch: highestEpoch, draft: draft, log: log.snapshot, rooms: announcedRooms)
        lastCheckpoint = .init(number: cp.number, takenAt: cp.takenAt, replicaCount: cp.replicaCount)
        lastCheckpointFingerprint = checkpointFingerprint
        if let every = config.checkpointEvery { armed.checkpoint = now + every }
        flushPersisted()
        emit(.writeCheckpoint(cp))
    }

    /// What a checkpoint records that can change while a node runs.
    var checkpointFingerprint: CheckpointFingerprint {
        CheckpointFingerprint(replicaLines: replicaLines, outbox: outbox.map(\.id), nick: nick, draft: draft,
                              ring: ring, highestEpoch: highestEpoch, rooms: announcedRooms)
    }

    func makeStatus(now: Instant) -> NodeStatus {
        var s = statusWithoutMembers()
        s.members = statusMembers(ringOrder(now: now))
        return s
    }

    /// Every property of the status but `members` (`NodeStatus.Change`):
    /// cheap, so change detection builds and compares it whole.
    func statusWithoutMembers() -> NodeStatus {
        NodeStatus(node: id, nick: nick, ring: ring, holder: holding != nil ? id : holderGuess,
                   members: [], lag: cachedLag, queued: outbox.count, lastCheckpoint: lastCheckpoint,
                   rooms: announcedRooms)
    }

    func statusMembers(_ order: [NodeID]) -> [NodeStatus.Member] {
        order.map { m -> NodeStatus.Member in
            if m == id { return .init(id: m, nick: nick, lag: cachedLag, rooms: announcedRooms, identity: identityKey) }
            let p = membership.peers[m]
            return .init(id: m, nick: p?.nick ?? "?", lag: cachedPeerLags[m] ?? 0, rooms: p?.rooms ?? [],
                         identity: p?.identity ?? [])
        }
    }

    func emitStatusIfChanged(now: Instant) {
        let key = StatusKey(status: statusWithoutMembers(), order: ringOrder(now: now),
                            membership: membership.version, lags: lagVersion, identity: identityKey)
        if key == lastStatusKey { return }
        let previous = lastStatusKey
        lastStatusKey = key
        var s = key.status
        // Under load the key moves with nearly every input (the holder, the
        // queue) while the members stay; they are rebuilt only when what
        // they are made of moved (building them was 3% of a busy node).
        if let previous, let last = lastStatus, previous.sameMembers(as: key) {
            s.members = last.members
        } else {
            s.members = statusMembers(key.order)
        }
        if s != lastStatus {
            lastStatus = s
            emit(.status(s))
        }
    }
}

/// What change detection compares: the status itself, all but its
/// `members`, which are compared through what they are built from (the
/// ring order, peers' nicks through the membership's version, lags through
/// theirs): `NodeStatus.changeDetection`.
struct StatusKey: Equatable {
    var status: NodeStatus
    var order: [NodeID]
    var membership: UInt64
    var lags: UInt64
    /// This node's key (its own member carries it; `.announce` sets it).
    var identity: [UInt8]

    /// Whether `statusMembers` gives the same members for both keys: the
    /// same order, peers and lags, and this node's own member unchanged.
    func sameMembers(as other: StatusKey) -> Bool {
        order == other.order && membership == other.membership && lags == other.lags && identity == other.identity
            && status.nick == other.status.nick && status.lag == other.status.lag && status.rooms == other.status.rooms
    }
}
