import RingChatCore

/// The workload of issue 20: nodes join and part rooms, type into the lobby,
/// into their rooms and privately to other nodes (to nodes that are down
/// too), and each node's screen shows what `RoomName.shows` lets it show,
/// opened where it is an end. Every choice here is drawn from `workload`, a
/// generator of its own: the network, the faults and the typing times are
/// drawn from `rng` exactly as without rooms, so a run with rooms is the run
/// without them with its lines spread over rooms and conversations.
extension Simulation {
    /// The rooms of a run: `#r0`, `#r1`, ...
    static func roomName(_ k: Int) -> String { "#r\(k)" }

    var roomsOn: Bool { config.rooms > 0 || config.privateRate > 0 }

    /// A line to type: where it goes, and the text the node is given (a
    /// private line's sealed box).
    struct Line {
        var text: String
        var kind: MessageKind
        var room: String
        var plaintext: String
        var to: Int?
        var recipientAway = false
    }

    /// Where node i's line `plain` goes: privately (`privateRate`) to
    /// another node whose key it has seen, down or not (one that is down,
    /// half of the times there is one); else the lobby or one of its rooms.
    func compose(_ i: Int, _ node: Node, plain: String) -> Line {
        guard roomsOn else { return Line(text: plain, kind: .text, room: RoomName.lobby, plaintext: plain) }
        if config.privateRate > 0, chance(config.privateRate, &workload) {
            let me = sims[i]
            let known = sims.indices.filter { $0 != i && me.knownPeers.entries[sims[$0].id] != nil }
            let down = known.filter { sims[$0].node == nil }
            let pool = !down.isEmpty && chance(0.5, &workload) ? down : known
            if !pool.isEmpty {
                let j = pool[Int(workload.next() % UInt64(pool.count))]
                let secret = "<\(plain) for n\(j)>"
                let key = SimIdentity.publicValue(of: me.knownPeers.entries[sims[j].id]!.key) ?? 0
                let box = SimSeal.seal(secret, from: me.identity, to: key, nonce: workload.next())
                return Line(text: box, kind: .private, room: RoomName.address(of: sims[j].id), plaintext: secret, to: j,
                            recipientAway: sims[j].node == nil)
            }
        }
        let rooms = [RoomName.lobby] + node.announcedRooms
        let room = rooms[Int(workload.next() % UInt64(rooms.count))]
        return Line(text: plain, kind: .text, room: room, plaintext: plain)
    }

    /// The trace's words for a typed line.
    static func describe(_ id: MessageID, _ l: Line) -> String {
        if let to = l.to { return "typed \(id) \"\(l.plaintext)\" to n\(to)\(l.recipientAway ? " (down)" : ""), sealed" }
        return "typed \(id) \"\(l.text)\"" + (l.room.isEmpty ? "" : " in \(l.room)")
    }

    func noteSaid(_ i: Int, _ id: MessageID, _ l: Line) {
        guard roomsOn else { return }
        if l.to != nil {
            privateLines += 1
            if l.recipientAway { privateToAway += 1 }
        } else if !l.room.isEmpty {
            roomLines += 1
        }
        history.records.append(.said(node: i, id: id, room: l.room, plaintext: l.plaintext, to: l.to,
                                     recipientAway: l.recipientAway, at: now))
    }

    /// Private lines typed while their recipient was down that it shows
    /// at the end (the others were lost with their sender, never sent).
    func readAfterAway() -> Int {
        var n = 0
        for r in history.records {
            guard case .said(let from, let id, _, _, let to?, true, _) = r else { continue }
            let window = sims[to].screen.windows[RoomName.address(of: sims[from].id)] ?? []
            if window.contains(where: { $0.id == id }) { n += 1 }
        }
        return n
    }

    func scheduleRoomChange(_ i: Int) {
        guard config.rooms > 0, config.typingRate > 0 else { return }
        queue.push(.rooms(i), at: now + exponential(config.meanTimeBetweenRoomChanges, &workload))
    }

    /// Node i's user joins a room it is not in, or parts one it is in.
    func changeRooms(_ i: Int) {
        guard !faultsOver else { return }
        scheduleRoomChange(i)
        guard let node = sims[i].node, sims[i].pausedUntil <= now else { return }
        var rooms = node.announcedRooms
        let all = (0..<config.rooms).map(Self.roomName)
        let out = all.filter { !rooms.contains($0) }
        if !out.isEmpty, rooms.isEmpty || chance(0.5, &workload) {
            let r = out[Int(workload.next() % UInt64(out.count))]
            rooms.append(r)
            note("n\(i) joins \(r)")
        } else if !rooms.isEmpty {
            let r = rooms.remove(at: Int(workload.next() % UInt64(rooms.count)))
            note("n\(i) parts \(r)")
        }
        roomChanges += 1
        feed(i, .announce(rooms: rooms, identity: sims[i].identity.announced))
    }

    /// At a (re)start the screen shows the restored history again.
    func restoreScreen(_ i: Int, restored: Set<MessageID>) {
        let s = sims[i]
        s.screen.clear()
        guard let node = s.node else { return }
        for m in node.history(from: s.store) where restored.contains(m.id) {
            if let line = shownLine(i, m) { s.screen.place(line) }
        }
    }

    /// Once the restore's effects are out, as NodeHost does: the restored
    /// rooms and the identity key.
    func announceAtStart(_ i: Int) {
        guard roomsOn, let node = sims[i].node else { return }
        feed(i, .announce(rooms: node.announcedRooms, identity: sims[i].identity.announced))
    }

    /// The keys the live members announce, as NodeHost keeps them: Core's
    /// `KnownPeers` (trust on first use), kept across restarts (the
    /// runtime's known_peers.json). A node's key never changes in a run, so
    /// a change observed is counted (`keyChanges`) and must stay 0.
    func learnKeys(_ i: Int, _ status: NodeStatus) {
        for m in status.members where m.id != status.node && m.identity.count == WireLimits.identityKeyBytes {
            learn(i, m.id, nick: m.nick, key: m.identity)
        }
    }

    func learn(_ i: Int, _ id: NodeID, nick: String, key: [UInt8]) {
        if let e = sims[i].knownPeers.entries[id], e.key == key, e.nick == nick { return }
        if case .keyChanged = sims[i].knownPeers.observe(id, nick: nick, key: key, now: now.milliseconds + 1_700_000_000_000) {
            keyChanges += 1
            note("n\(i): the key of \(id) changed")
        }
    }

    /// What node i's screen shows of `m`, in which window, as NodeHost's
    /// `forScreen` decides: nothing for a private message it is not an end
    /// of, or that does not open with its secret, or whose sender's key is
    /// not the one known for its origin; else the message opened (and an
    /// origin heard of for the first time learnt from it).
    func shownLine(_ i: Int, _ m: ChatMessage) -> ShownLine? {
        let s = sims[i]
        let me = s.id
        guard RoomName.shows(m, to: me) else { return nil }
        guard m.kind == .private else { return ShownLine(id: m.id, slot: m.slot, window: m.room, text: m.text) }
        guard let peer = RoomName.peer(of: m, me: me), let opened = SimSeal.open(m.text, as: s.identity) else { return nil }
        if m.id.origin != me {
            if let known = s.knownPeers.entries[m.id.origin]?.key, SimIdentity.publicValue(of: known) != opened.sender {
                return nil
            }
            learn(i, m.id.origin, nick: m.nick, key: SimIdentity.announced(opened.sender))
        }
        return ShownLine(id: m.id, slot: m.slot, window: RoomName.address(of: peer), text: opened.text)
    }

    func show(_ i: Int, _ m: ChatMessage, backfill: Bool) {
        guard let line = shownLine(i, m) else { return }
        sims[i].screen.place(line)
        history.records.append(.shown(node: i, line: line, backfill: backfill, at: now))
    }

    func chance(_ p: Double, _ g: inout SplitMix64) -> Bool {
        p > 0 && Double(g.next() >> 11) / Double(1 << 53) < p
    }

    func exponential(_ mean: Duration, _ g: inout SplitMix64) -> Duration {
        let u = max(Double(g.next() >> 11) / Double(1 << 53), 1e-12)
        return .nanoseconds(Int64(-Double(mean.nanoseconds) * _log(u)))
    }
}
