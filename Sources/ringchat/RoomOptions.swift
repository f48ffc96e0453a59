import ArgumentParser
import RingChatCore

/// `--join #a,#b`: rooms to join at start, besides those the last
/// checkpoint records (NodeHost+Rooms.swift). `server` uses it; `chat` may
/// take it as an `@OptionGroup` too (its TUI and `--headless` alike).
struct RoomOptions: ParsableArguments {
    @Option(name: .customLong("join"), help: ArgumentHelp(
        "Rooms to join at start, comma-separated (#ops,#dev; the # may be left out). The lobby (#lobby) is every node's room.",
        valueName: "#room,..."))
    var join: String?

    func validate() throws { _ = try rooms() }

    /// The rooms' wire forms, in the order given, each once.
    func rooms() throws -> [String] {
        guard let join else { return [] }
        var out: [String] = []
        for name in join.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init) {
            guard let r = RoomName.parse(name) else {
                throw ValidationError("--join: not a room name: \(name) (# and 1-31 of a-z 0-9 - _ .)")
            }
            guard r != RoomName.lobby else { throw ValidationError("--join: \(RoomName.lobbyDisplay) is every node's room: leave it out") }
            if !out.contains(r) { out.append(r) }
        }
        guard out.count <= RoomName.maxAnnounced else {
            throw ValidationError("--join: at most \(RoomName.maxAnnounced) rooms; got \(out.count)")
        }
        return out
    }
}
