/// The bounds of `PacketValidator`, applied to what a node reads back from
/// its own files: a replica line or a checkpoint holding a value no honest
/// node could have written (an epoch of 2^64-1 accepted by an older
/// version, a hand-edited file) is skipped at restore, never allowed to
/// crash every later start. Only absolute bounds apply: a file has no
/// "current ring" to be judged against.
public enum StoredStateValidator {
    public typealias Rejection = PacketValidator.Rejection

    /// Why no honest node could have stored `m`, or nil.
    public static func check(_ m: ChatMessage) -> Rejection? {
        PacketValidator.verdict { () throws(Rejection) in try message(m) }
    }

    /// Why no honest node could have written `cp`, or nil.
    public static func check(_ cp: Checkpoint) -> Rejection? {
        PacketValidator.verdict { () throws(Rejection) in try checkpoint(cp) }
    }

    static func checkpoint(_ cp: Checkpoint) throws(Rejection) {
        let ceiling = PacketValidator.ceiling
        guard cp.number >= 1, cp.number <= ceiling else {
            throw Rejection("checkpoint number", cp.number, "is outside 1...2^62")
        }
        guard cp.incarnation >= 1 else { throw Rejection("checkpoint incarnation", cp.incarnation, "is 0") }
        guard cp.replicaCount >= 0 else { throw Rejection("checkpoint replica count", cp.replicaCount, "is negative") }
        guard cp.highestEpoch <= ceiling else {
            throw Rejection("checkpoint highest epoch", cp.highestEpoch, PacketValidator.aboveCeiling)
        }
        try PacketValidator.timestamp(cp.takenAt, "checkpoint time")
        let k = PacketValidator.Knowledge(highestEpoch: ceiling)
        if let r = cp.ring { try PacketValidator.epoch(r, "checkpoint ring", k) }
        if let s = cp.lastDelivered {
            try PacketValidator.epoch(s.ring, "checkpoint last delivered ring", k)
            try PacketValidator.seq(s.seq, s.ring, "checkpoint last delivered seq", k, min: 1)
        }
        for e in cp.outbox {
            guard e.id.counter >= 1 else { throw Rejection("outbox message counter", e.id.counter, "is 0") }
            try PacketValidator.timestamp(e.timestamp, "outbox timestamp")
            try lengths(nick: e.nick, text: e.text, kind: e.kind, what: "outbox")
            try room(e.room, kind: e.kind, what: "outbox")
        }
    }

    static func message(_ m: ChatMessage) throws(Rejection) {
        try PacketValidator.message(m, PacketValidator.Knowledge(highestEpoch: PacketValidator.ceiling))
        guard m.id.counter >= 1 else { throw Rejection("message counter", m.id.counter, "is 0; counters start at 1") }
        try lengths(nick: m.nick, text: m.text, kind: m.kind, what: "message")
        try room(m.room, kind: m.kind, what: "message")
    }

    /// A stored line is re-sent as it is: peers would refuse a room that
    /// does not fit its kind (`RoomName.fits`).
    static func room(_ room: String, kind: MessageKind, what: String) throws(Rejection) {
        guard RoomName.fits(room, kind: kind) else {
            throw Rejection("\(what) room", "\"\(TerminalSafety.oneLine(room))\"", "does not fit a \(kind.name) line")
        }
    }

    /// What the wire allows: a stored line is re-sent as it is, and the
    /// encoder's length prefixes are one and two bytes. A private message's
    /// text is its sealed box, longer than the line it seals.
    static func lengths(nick: String, text: String, kind: MessageKind, what: String) throws(Rejection) {
        let n = nick.utf8.count
        guard n >= 1, n <= WireLimits.maxNickBytes else {
            throw Rejection("\(what) nick length", n, "is outside 1...\(WireLimits.maxNickBytes) bytes")
        }
        guard text.utf8.count <= kind.maxTextBytes else {
            throw Rejection("\(what) text length", text.utf8.count, "is above \(kind.maxTextBytes) bytes")
        }
    }
}
