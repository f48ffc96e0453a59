import RingChatCore

/// One window of the chat screen (irssi's): the lobby, a room or a private
/// conversation, each with its own scroll-back, read marker and activity.
struct ChatWindow {
    /// The window's key: the wire room (`""` the lobby, `#name`), or for a
    /// query the peer's private address (`@` + its `NodeID`), whichever end
    /// sent the message (see `WindowList.key(of:me:)`).
    let room: String
    /// What the status bar and the lines call it: `#lobby`, `#ops`, or the
    /// peer's nick (updated when the peer renames).
    var name: String
    var pane: ChatPane<Slot>
    /// Peers' lines (and mentions) that arrived while this window was not
    /// looked at its live end: another window current, scrolled back, F3.
    var activity = Activity()

    // The scroll-back's reads of history, per window: history pages hold
    // every room, so the window keeps its own place in them.

    /// Pages asked for and not answered yet (one each way).
    var olderInFlight = false
    var newerInFlight = false
    /// Bumped when the pane goes back to the newest lines: pages asked for
    /// before that are dropped when they come.
    var pageEpoch: UInt64 = 0
    /// The oldest slot read back from history for this window (pages hold
    /// every room's lines, and may hold none of this one's); nil: the
    /// pane's first line.
    var readBackFrom: Slot?
    /// The newest slot read forward while detached; nil: the pane's last line.
    var readForwardFrom: Slot?

    init(room: String, name: String, capacity: Int, utcOffsetSeconds: Int) {
        self.room = room
        self.name = name
        pane = ChatPane(capacity: capacity)
        pane.utcOffsetSeconds = utcOffsetSeconds
    }

    /// The private conversation's other end, for a query window.
    var peer: NodeID? { RoomName.recipient(of: room) }
    var isQuery: Bool { peer != nil }
    var isLobby: Bool { room == RoomName.lobby }
}
