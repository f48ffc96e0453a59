/// One member of the ring as the status bar shows it.
public struct RingMember: Hashable, Sendable {
    public var nick: String
    /// Messages it lacks (this node's own lag for `isMe`); shown when above 0.
    public var lag: Int
    public var isMe: Bool
    public var isHolder: Bool
    /// Said `/away`: shown as `(away)` while there is room.
    public var away: Bool

    public init(_ nick: String, lag: Int = 0, isMe: Bool = false, isHolder: Bool = false, away: Bool = false) {
        self.away = away
        self.nick = nick
        self.lag = lag
        self.isMe = isMe
        self.isHolder = isHolder
    }
}
