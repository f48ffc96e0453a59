import RingChatCore

/// The screen's windows, numbered from 1 as irssi numbers them: window 1
/// is the lobby and is never closed; a room's or a query's window is added
/// at the end, and closing one moves the later ones down a number.
struct WindowList {
    private(set) var windows: [ChatWindow]
    /// Index into `windows` of the window on screen.
    private(set) var currentIndex = 0
    let capacity: Int
    let utcOffsetSeconds: Int

    init(capacity: Int, utcOffsetSeconds: Int) {
        self.capacity = capacity
        self.utcOffsetSeconds = utcOffsetSeconds
        windows = [ChatWindow(room: RoomName.lobby, name: RoomName.lobbyDisplay, capacity: capacity, utcOffsetSeconds: utcOffsetSeconds)]
    }

    var count: Int { windows.count }

    var current: ChatWindow {
        get { windows[currentIndex] }
        _modify { yield &windows[currentIndex] }
    }

    subscript(i: Int) -> ChatWindow {
        get { windows[i] }
        _modify { yield &windows[i] }
    }

    /// The window's number on screen (1-based).
    var currentNumber: Int { currentIndex + 1 }

    func index(of room: String) -> Int? { windows.firstIndex { $0.room == room } }

    /// The window of `room`, added at the end if there is none; its index.
    @discardableResult
    mutating func open(_ room: String, name: String) -> Int {
        if let i = index(of: room) { return i }
        windows.append(ChatWindow(room: room, name: name, capacity: capacity, utcOffsetSeconds: utcOffsetSeconds))
        return windows.count - 1
    }

    /// Closes the window at `i` (never the lobby's); the window before it
    /// becomes current if it was. False for the lobby or a bad index.
    @discardableResult
    mutating func close(_ i: Int) -> Bool {
        guard i > 0, i < windows.count else { return false }
        windows.remove(at: i)
        if currentIndex == i {
            currentIndex = i - 1
        } else if currentIndex > i {
            currentIndex -= 1
        }
        return true
    }

    /// Makes window number `number` (1-based) current; false if there is none.
    @discardableResult
    mutating func select(number: Int) -> Bool {
        guard number >= 1, number <= windows.count else { return false }
        currentIndex = number - 1
        return true
    }

    /// The other windows with activity, by number, and whether any of it
    /// named you: the status bar's `[act: 1,3*]`.
    var activityList: [WindowActivity] {
        windows.indices.compactMap { i in
            guard i != currentIndex, !windows[i].activity.isEmpty else { return nil }
            return WindowActivity(number: i + 1, mention: windows[i].activity.mentions > 0)
        }
    }

    /// The window key a message belongs to on `me`'s screen: its room, or
    /// for a private message the other end's address (the sender's when
    /// it came to me, the recipient's when I sent it); nil for a private
    /// message `me` is not an end of, which no screen but its ends shows.
    static func key(of m: ChatMessage, me: NodeID?) -> String? {
        guard m.kind == .private else { return m.room }
        guard let me, let peer = RoomName.peer(of: m, me: me) else { return nil }
        return RoomName.address(of: peer)
    }
}
