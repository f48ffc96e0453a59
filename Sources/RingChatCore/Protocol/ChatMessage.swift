/// What a chat line is: plain text, or an action (`/me waves`).
public enum MessageKind: UInt8, Sendable, Codable {
    case text = 0
    case action = 1
}

/// One chat message as every replica stores it: one line of replica.jsonl.
public struct ChatMessage: Hashable, Sendable {
    public var id: MessageID
    /// The sender's nick when it typed the line.
    public var nick: String
    public var text: String
    public var kind: MessageKind
    /// Where it sits in the agreed order.
    public var slot: Slot
    /// Wall-clock time it was typed, in milliseconds since the Unix epoch
    /// (for display; the order comes from `slot`, never from clocks).
    public var timestamp: Int64

    public init(id: MessageID, nick: String, text: String, kind: MessageKind = .text, slot: Slot, timestamp: Int64) {
        self.id = id
        self.nick = nick
        self.text = text
        self.kind = kind
        self.slot = slot
        self.timestamp = timestamp
    }
}

extension ChatMessage: Codable {
    // The replica's JSON Lines fields, documented in README.md.
    enum CodingKeys: String, CodingKey {
        case id, nick, text, kind, ring, seq, ts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(MessageID.self, forKey: .id)
        nick = try c.decode(String.self, forKey: .nick)
        text = try c.decode(String.self, forKey: .text)
        let k = try c.decodeIfPresent(String.self, forKey: .kind) ?? "text"
        kind = k == "action" ? .action : .text
        slot = Slot(ring: try c.decode(RingID.self, forKey: .ring), seq: try c.decode(UInt64.self, forKey: .seq))
        timestamp = try c.decode(Int64.self, forKey: .ts)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(nick, forKey: .nick)
        try c.encode(text, forKey: .text)
        try c.encode(kind == .action ? "action" : "text", forKey: .kind)
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
    public var timestamp: Int64

    public init(id: MessageID, nick: String, text: String, kind: MessageKind, timestamp: Int64) {
        self.id = id
        self.nick = nick
        self.text = text
        self.kind = kind
        self.timestamp = timestamp
    }
}
