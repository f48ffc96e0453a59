/// Where a line is said. A room is a field of the message, so one ring and
/// its one total order carry every room at once (as Spread's light groups
/// ride one daemon ring): what every replica holds, it holds in the same
/// order, whatever the room.
///
/// On the wire and in the replica a room is one of:
/// - `""`: the lobby, the room every node is in (and every line written
///   before rooms existed);
/// - `#name`: a room (`#` then 1-31 of `a-z 0-9 - _ .`, lowercase);
/// - `@` + 16 hex digits: a private conversation, the recipient's `NodeID`
///   (the text is sealed for the two ends; `MessageKind.private`).
public enum RoomName {
    /// The lobby's wire form.
    public static let lobby = ""
    /// How the lobby is named on screen and in commands.
    public static let lobbyDisplay = "#lobby"
    public static let maxBytes = 32
    /// At most this many rooms announced per node (bounds a heartbeat).
    public static let maxAnnounced = 16

    /// `text` as a room's wire form if it names one (`ops`, `#Ops`,
    /// `#lobby`), else nil. What a user types is lowercased; nothing else
    /// is changed (a name with a bad character is refused, not cleaned).
    public static func parse(_ text: String) -> String? {
        var t = text.lowercased()
        if !t.hasPrefix("#") { t = "#" + t }
        if t == lobbyDisplay { return lobby }
        return isRoom(t) ? t : nil
    }

    /// A `#name` room (not the lobby, not a private address).
    public static func isRoom(_ r: String) -> Bool {
        let u = r.utf8
        guard u.count >= 2, u.count <= maxBytes, u.first == UInt8(ascii: "#") else { return false }
        return u.dropFirst().allSatisfy(isNameByte)
    }

    /// Any valid wire form: the lobby, a room or a private address.
    public static func isValid(_ r: String) -> Bool {
        r.isEmpty || isRoom(r) || recipient(of: r) != nil
    }

    /// Whether a message of `kind` may be said in `room`: a private message
    /// is addressed to a node, and only it is (the wire, the node and the
    /// stored-state checks all hold messages to this).
    public static func fits(_ room: String, kind: MessageKind) -> Bool {
        kind == .private ? recipient(of: room) != nil : room.isEmpty || isRoom(room)
    }

    /// The private address of a conversation with `id`.
    public static func address(of id: NodeID) -> String { "@" + id.hex }

    /// The recipient of a private address, or nil if `r` is not one.
    public static func recipient(of r: String) -> NodeID? {
        let u = r.utf8
        guard u.count == 17, u.first == UInt8(ascii: "@"),
              u.dropFirst().allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }), // 0-9 a-f
              let v = UInt64(r.dropFirst(), radix: 16) else { return nil }
        return NodeID(v)
    }

    /// Whether `me`'s screen may show `m`: any room's line; a private
    /// message only at its two ends (its sender and its recipient). Every
    /// other node stores the sealed bytes and shows nothing.
    public static func shows(_ m: ChatMessage, to me: NodeID) -> Bool {
        m.kind != .private || m.id.origin == me || recipient(of: m.room) == me
    }

    /// The other end of a private message seen from `me` (nil for a room's
    /// line, or a private message `me` is not an end of).
    public static func peer(of m: ChatMessage, me: NodeID) -> NodeID? {
        guard m.kind == .private, let to = recipient(of: m.room) else { return nil }
        if m.id.origin == me { return to }
        return to == me ? m.id.origin : nil
    }

    /// The screen's name of a wire room (`#lobby` for the lobby).
    public static func display(_ r: String) -> String { r.isEmpty ? lobbyDisplay : r }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
            || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
    }
}
