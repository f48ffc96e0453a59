import ArgumentParser
import RingChatCore

/// `--join ops,dev`: rooms to join at start, besides those the last
/// checkpoint records (NodeHost+Rooms.swift). `server` takes it as an
/// option group; it reads `--join` as `chat` does (comma-separated or
/// repeated, `#` optional, once each, at most 16).
struct RoomOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Rooms to join at start, comma-separated (# optional; quote it in a shell, where # starts a comment).",
                               discussion: "The rooms of the last checkpoint are joined too. The server keeps and logs every room's lines whatever it joined: its rooms are where /list counts it.",
                               valueName: "rooms"))
    var join: [String] = []

    func validate() throws { _ = try rooms() }

    /// The rooms' wire forms (`#ops`), in the order given, once each.
    func rooms() throws -> [String] { try Self.rooms(from: join) }

    /// `--join`'s values (`chat`'s too) as wire forms, in order, once each.
    static func rooms(from join: [String]) throws -> [String] {
        var out: [String] = []
        // Commas or spaces between names, as headless `/join #a #b`: a space
        // is never squeezed out of a name ("my room" is not #myroom).
        for name in join.flatMap({ $0.split(whereSeparator: { $0 == "," || $0.isWhitespace }) }).map(String.init) {
            guard let r = RoomName.parse(name), RoomName.isRoom(r) else {
                throw ValidationError("--join: not a room name: \(name) (# then 1-31 of a-z 0-9 - _ .; #lobby is always joined)")
            }
            if !out.contains(r) { out.append(r) }
        }
        guard out.count <= RoomName.maxAnnounced else {
            throw ValidationError("--join: \(out.count) rooms, at most \(RoomName.maxAnnounced)")
        }
        return out
    }
}
