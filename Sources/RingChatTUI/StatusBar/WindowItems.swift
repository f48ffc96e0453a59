/// The window on screen as the status bar names it: `[2:#ops]`.
public struct WindowLabel: Hashable, Sendable {
    public var number: Int
    /// `#lobby`, `#ops`, or a query's peer nick.
    public var name: String
    /// How many windows are open: with one, the number alone says nothing
    /// and gives way to the nick.
    public var count: Int

    public init(number: Int, name: String, count: Int) {
        self.number = number
        self.name = name
        self.count = count
    }
}

/// One entry of the status bar's activity list, `[act: 1,3*]`: window
/// `number` has lines you have not seen; `mention` if one of them named
/// you or is a private message to you.
public struct WindowActivity: Hashable, Sendable {
    public var number: Int
    public var mention: Bool

    public init(number: Int, mention: Bool) {
        self.number = number
        self.mention = mention
    }
}
