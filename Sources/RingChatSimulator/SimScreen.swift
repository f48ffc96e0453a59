import RingChatCore

/// One line on a node's screen, in the window the front end puts it in:
/// `""` the lobby, `#name` a room, `@` + the other end's id a conversation
/// (a private message is shown in the window of its peer, whichever end
/// sent it, as a query window is). `text` is what the screen reads: a room
/// line's text, or a private message's opened plaintext.
public struct ShownLine: Sendable, Hashable {
    public var id: MessageID
    public var slot: Slot
    public var window: String
    public var text: String

    public init(id: MessageID, slot: Slot, window: String, text: String) {
        self.id = id
        self.slot = slot
        self.window = window
        self.text = text
    }
}

/// A simulated node's screen: what `RoomName.shows` lets it show, each
/// line in its window, placed by its slot (a late line goes before the
/// lines already shown, as the chat screen places a backfill). A restart
/// starts it again from the restored replica.
struct SimScreen {
    private(set) var windows: [String: [ShownLine]] = [:]

    mutating func place(_ line: ShownLine) {
        var w = windows[line.window, default: []]
        if let last = w.last, line.slot < last.slot {
            let at = w.firstIndex { line.slot < $0.slot } ?? w.count
            w.insert(line, at: at)
        } else {
            w.append(line)
        }
        windows[line.window] = w
    }

    mutating func clear() { windows = [:] }
}
