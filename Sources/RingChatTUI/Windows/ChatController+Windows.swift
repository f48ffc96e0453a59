import RingChatCore
import RingChatSession

/// Windows in the chat screen, as irssi has them: `/join`, `/part`,
/// `/list`, `/window N` and Alt-1..9, `/msg`, `/query`, `/whois`; and which
/// window each delivered line goes to.
extension ChatController {
    /// Lines of history read to fill a window that opens (then PgUp reads on).
    static let windowHistory = 2_000

    /// The window `m` goes to: its room's, or its private conversation's
    /// (opened when the first line of it arrives, as irssi opens a query);
    /// nil for a room this node is not in or another pair's private line.
    func window(for m: ChatMessage) -> Int? {
        guard let key = WindowList.key(of: m, me: backend.nodeID) else { return nil }
        if let i = windows.index(of: key) { return i }
        guard let peer = RoomName.recipient(of: key) else { return nil }
        let nick = m.id.origin == peer ? m.nick : peerName(peer)
        return openQuery(peer, nick: nick)
    }

    /// Rooms the node is in get a window: those of its checkpoint and of
    /// `--join` at start, or joined by another path. A query's name follows
    /// its peer's nick.
    func syncWindows(_ s: NodeStatus) {
        for r in s.rooms where RoomName.isRoom(r) && windows.index(of: r) == nil {
            fill(windows.open(r, name: r))
        }
        for i in 0..<windows.count {
            guard let peer = windows[i].peer, let nick = backend.peerNick(peer) ?? names.nick(peer),
                  nick != windows[i].name else { continue }
            windows[i].name = nick
        }
    }

    /// The nick to address `peer` by.
    func peerName(_ peer: NodeID) -> String {
        backend.peerNick(peer) ?? names.nick(peer) ?? windows.index(of: RoomName.address(of: peer)).map { windows[$0].name } ?? peer.short
    }

    /// Reads the window's recent history (off the loop thread in the real
    /// host) and puts its lines in place; lines delivered meanwhile are
    /// already there and are not doubled (the pane keys lines by slot).
    func fill(_ i: Int) {
        let room = windows[i].room
        let epoch = windows[i].pageEpoch
        backend.readPage(.before(nil, limit: Self.windowHistory)) { [weak self] page in
            guard let self, let i = self.windows.index(of: room), epoch == self.windows[i].pageEpoch else { return }
            for e in self.entries(page, in: room) { self.windows[i].pane.add(e) }
            if self.windows[i].readBackFrom == nil { self.windows[i].readBackFrom = page.first?.slot }
            self.markDirty()
        }
    }

    // MARK: switching

    func selectWindow(number n: Int) {
        guard n >= 1, n <= windows.count else {
            error("no window \(n): \(windows.count) open (Alt-1..\(min(9, windows.count)) or /window N)")
            return
        }
        select(index: n - 1)
    }

    /// Leaving a window at its live end puts the read marker at its bottom,
    /// so what arrives meanwhile is below it on the way back.
    func select(index i: Int) {
        showingTokenLog = false
        guard i != windows.currentIndex else { return }
        leavingLiveEnd()
        windows.select(number: i + 1)
        noteWhereYouAre()
    }

    // MARK: rooms

    func join(_ rooms: [String]) {
        var last: Int?
        for room in rooms {
            if room == RoomName.lobby { last = 0; continue }
            guard backend.join(room) else {
                error("cannot join \(room): this node is in \(RoomName.maxAnnounced) rooms already (/part one first)")
                continue
            }
            if let i = windows.index(of: room) { last = i; continue }
            let i = windows.open(room, name: room)
            let n = backend.roomList.first { $0.room == room }?.members ?? 1
            windows[i].pane.addSystem("you joined \(room) (\(n) member\(n == 1 ? "" : "s")); Alt-1 or /window 1: back to #lobby",
                                      dim: false, timestamp: wall())
            fill(i)
            last = i
        }
        if let last { select(index: last) }
    }

    /// `/part`: leaves the room (the node stops announcing it) and closes
    /// its window; in a query window it closes the window only.
    func part(_ room: String?) {
        let target = room ?? windows.current.room
        guard target != RoomName.lobby else {
            error("#lobby is every node's room and window 1: it cannot be left (/quit leaves the ring)")
            return
        }
        guard let i = windows.index(of: target) else {
            if backend.part(target) { system("you left \(target)", dim: false) } else { error("you are not in \(target)") }
            return
        }
        let w = windows[i]
        if !w.isQuery { backend.part(target) }
        windows.close(i)
        noteWhereYouAre()
        system(w.isQuery ? "closed the window with \(w.name)" : "you left \(w.name)", dim: false)
    }

    /// `/list`: every room seen on the ring with its member count, and the
    /// window of each one this node is in.
    func listRooms() {
        let list = backend.roomList
        guard !list.isEmpty else { return system("no ring yet: no rooms to list", dim: false) }
        system("rooms on the ring (/join #NAME to join one):", dim: false)
        for (room, n) in list {
            let window = windows.index(of: room).map { " (window \($0 + 1))" } ?? ""
            system("  \(RoomName.display(room))  \(n) member\(n == 1 ? "" : "s")\(window)", dim: false)
        }
    }

    // MARK: private messages

    /// `/msg NICK TEXT`, or a line typed in NICK's window: sealed for NICK
    /// by the host; the line shows in NICK's window when the ring delivers it.
    func sendPrivate(to nick: String, _ text: String, at t: Instant?) {
        switch backend.sendPrivate(to: nick, text: text) {
        case .sent(let id, let nick):
            names.learn(id, nick)
            let i = openQuery(id, nick: nick)
            if i != windows.currentIndex { system("private message to \(nick): in window \(i + 1) (Alt-\(i + 1))", dim: true) }
        case .refused(let why):
            error(why)
        }
    }

    /// `/query NICK`: the private window with NICK, opened if need be.
    func query(_ nick: String) {
        let mine = status?.nick ?? initialNick
        guard nick.lowercased() != mine.lowercased() else { return error("\(nick) is you: a query needs a peer") }
        guard let id = peerID(nick) else {
            return error("no one called \(nick) has been seen on the ring (/names lists who is here)")
        }
        let known = windows.index(of: RoomName.address(of: id)) != nil
        let i = openQuery(id, nick: nick)
        if !known {
            windows[i].pane.addSystem("private window with \(nick): lines typed here are sealed for \(nick) alone (/whois \(nick): their key)",
                                      dim: false, timestamp: wall())
        }
        select(index: i)
    }

    /// The window of the private conversation with `peer`, opened (not
    /// shown) if there is none; its index.
    @discardableResult
    func openQuery(_ peer: NodeID, nick: String) -> Int {
        let room = RoomName.address(of: peer)
        if let i = windows.index(of: room) { return i }
        let i = windows.open(room, name: nick)
        fill(i)
        return i
    }

    /// A live member's id by nick, else the last node seen with that nick.
    private func peerID(_ nick: String) -> NodeID? {
        let lower = nick.lowercased()
        if let m = status?.members.first(where: { $0.nick.lowercased() == lower && $0.id != status?.node }) { return m.id }
        return names.id(of: nick).flatMap { $0 == backend.nodeID ? nil : $0 }
    }
}
