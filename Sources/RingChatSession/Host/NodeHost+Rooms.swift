import RingChatCore

/// Rooms: a room is a field of each message (`RoomName`), so joining one is
/// local: the node announces the rooms it is in with its heartbeats (what
/// `/list` counts), keeps them in its checkpoints, and the front end shows
/// the lines of the rooms it is in. Every replica holds every room.
extension NodeHost {
    /// The rooms this node is in (`#name`s, the lobby implied), in the order
    /// they were joined.
    public var rooms: [String] { currentNode?.announcedRooms ?? [] }

    /// Joins `room` (a `#name`): announced from the next heartbeat on, kept
    /// in the next checkpoint. False if it is not a room name, or this node
    /// is in as many rooms as a heartbeat can announce.
    @discardableResult
    public func join(_ room: String) -> Bool {
        guard RoomName.isRoom(room) else { return false }
        if rooms.contains(room) { return true }
        guard rooms.count < RoomName.maxAnnounced else { return false }
        announce(rooms: rooms + [room])
        return true
    }

    /// Leaves `room`. False if this node was not in it.
    @discardableResult
    public func part(_ room: String) -> Bool {
        guard rooms.contains(room) else { return false }
        announce(rooms: rooms.filter { $0 != room })
        return true
    }

    /// Who is in which room, as the live members announce it: each room
    /// seen on the ring (the lobby first, with every member), with its
    /// member count.
    public var roomList: [(room: String, members: Int)] {
        guard let s = currentNode?.status else { return [] }
        var counts: [String: Int] = [:]
        for m in s.members { for r in m.rooms { counts[r, default: 0] += 1 } }
        return [(RoomName.lobby, s.members.count)] + counts.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Queues a typed line for `room` (a `#name`, or the lobby "").
    public func type(_ text: String, kind: MessageKind = .text, room: String) {
        feed(.type(text, kind: kind, room: room))
    }

    /// After a (re)start: the checkpoint's rooms plus `--join`'s.
    func announceAtStart() {
        var r = rooms
        for room in options.rooms where RoomName.isRoom(room) && !r.contains(room) { r.append(room) }
        announce(rooms: Array(r.prefix(RoomName.maxAnnounced)))
    }

    func announce(rooms: [String]) {
        feed(.announce(rooms: rooms, identity: identityPublicKey))
    }
}
