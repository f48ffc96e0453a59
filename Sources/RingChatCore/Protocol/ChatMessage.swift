/// What a chat line is: plain text, an action (`/me waves`), or a private
/// message (its text sealed for its two ends, its room the recipient's
/// address: `RoomName`, docs/SECURITY.md).
public enum MessageKind: UInt8, Sendable, Codable {
    case text = 0
    case action = 1
    case `private` = 2

    /// The replica's name of the kind.
    public var name: String {
        switch self {
        case .text: "text"
        case .action: "action"
        case .private: "private"
        }
    }

    public init?(name: String) {
        switch name {
        case "text": self = .text
        case "action": self = .action
        case "private": self = .private
        default: return nil
        }
    }

    /// The longest text of this kind: a sealed text is longer than the line
    /// it seals (`PrivateSeal`: both keys, nonce and tag, in base64).
    public var maxTextBytes: Int {
        self == .private ? WireLimits.maxSealedTextBytes : WireLimits.maxTextBytes
    }
}

/// One chat message as every replica stores it: one line of replica.jsonl.
public struct ChatMessage: Hashable, Sendable {
    public var id: MessageID
    /// The sender's nick when it typed the line.
    public var nick: String
    public var text: String
    public var kind: MessageKind
    /// Its room's wire form (`RoomName`): "" for the lobby.
    public var room: String
    /// Where it sits in the agreed order.
    public var slot: Slot
    /// Wall-clock time it was typed, in milliseconds since the Unix epoch
    /// (for display; the order comes from `slot`, never from clocks).
    public var timestamp: Int64

    public init(id: MessageID, nick: String, text: String, kind: MessageKind = .text, room: String = RoomName.lobby,
                slot: Slot, timestamp: Int64) {
        self.id = id
        self.nick = nick
        self.text = text
        self.kind = kind
        self.room = room
        self.slot = slot
        self.timestamp = timestamp
    }
}

extension ChatMessage: Codable {
    // The replica's JSON Lines fields, documented in README.md.
    enum CodingKeys: String, CodingKey {
        case id, nick, text, kind, room, ring, seq, ts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(MessageID.self, forKey: .id)
        nick = try c.decode(String.self, forKey: .nick)
        text = try c.decode(String.self, forKey: .text)
        let k = try c.decodeIfPresent(String.self, forKey: .kind) ?? "text"
        guard let kind = MessageKind(name: k) else {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c, debugDescription: "unknown kind \(k)")
        }
        self.kind = kind
        // Lines written before rooms existed have no room: the lobby.
        room = try c.decodeIfPresent(String.self, forKey: .room) ?? RoomName.lobby
        guard RoomName.isValid(room) else {
            throw DecodingError.dataCorruptedError(forKey: .room, in: c, debugDescription: "invalid room")
        }
        slot = Slot(ring: try c.decode(RingID.self, forKey: .ring), seq: try c.decode(UInt64.self, forKey: .seq))
        timestamp = try c.decode(Int64.self, forKey: .ts)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(nick, forKey: .nick)
        try c.encode(text, forKey: .text)
        try c.encode(kind.name, forKey: .kind)
        if !room.isEmpty { try c.encode(room, forKey: .room) }
        try c.encode(slot.ring, forKey: .ring)
        try c.encode(slot.seq, forKey: .seq)
        try c.encode(timestamp, forKey: .ts)
    }
}

/// A line the user typed that has not been sent yet. Its id is fixed at
/// typing time, so a line re-sent after a crash is recognised as the same
/// message by every replica.
public struct OutboxEntry: Hashable, Sendable, Codable {
    public var id: MessageID
    public var nick: String
    public var text: String
    public var kind: MessageKind
    public var room: String
    public var timestamp: Int64

    public init(id: MessageID, nick: String, text: String, kind: MessageKind, room: String = RoomName.lobby,
                timestamp: Int64) {
        self.id = id
        self.nick = nick
        self.text = text
        self.kind = kind
        self.room = room
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey { case id, nick, text, kind, room, timestamp }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(MessageID.self, forKey: .id)
        nick = try c.decode(String.self, forKey: .nick)
        text = try c.decode(String.self, forKey: .text)
        kind = try c.decode(MessageKind.self, forKey: .kind)
        // Checkpoints written before rooms existed: the lobby.
        room = try c.decodeIfPresent(String.self, forKey: .room) ?? RoomName.lobby
        timestamp = try c.decode(Int64.self, forKey: .timestamp)
    }
}
