/// What happened while you looked elsewhere (scrolled back, or in F3's
/// token log): peers' lines and how many of them named you. The status bar
/// shows it, as irssi's `[Act: …]` does, until you are back at the live end
/// of the conversation.
public struct Activity: Hashable, Sendable {
    public private(set) var lines = 0
    public private(set) var mentions = 0

    public init() {}

    public var isEmpty: Bool { lines == 0 }

    public mutating func add(mention: Bool) {
        lines += 1
        if mention { mentions += 1 }
    }

    public mutating func clear() { self = Activity() }
}
