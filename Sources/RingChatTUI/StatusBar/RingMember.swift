/// One member of the ring as the status bar shows it.
public struct RingMember: Hashable, Sendable {
    public var nick: String
    /// Messages it lacks (this node's own lag for `isMe`); shown when above 0.
    public var lag: Int
    public var isMe: Bool
    public var isHolder: Bool

    public init(_ nick: String, lag: Int = 0, isMe: Bool = false, isHolder: Bool = false) {
        self.nick = nick
        self.lag = lag
        self.isMe = isMe
        self.isHolder = isHolder
    }
}
