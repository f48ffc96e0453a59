/// `/away` travels as an ordinary action in the agreed order, `* bob is
/// away: lunch` and `* bob is back`, rather than as a new field of the
/// heartbeat: peers and the replica need no new format, every member sees
/// the change at the same place in the conversation, and a restart reads it
/// back with the history. The state is kept per sending node (not per
/// nick), from the latest such action.
public enum AwayNote: Hashable, Sendable {
    case away(reason: String)
    case back

    static let awayPrefix = "is away"
    static let backText = "is back"

    /// The action text to send: `/away REASON` or `/away` (back).
    public static func action(reason: String?) -> String {
        guard let r = reason, !r.allSatisfy(\.isWhitespace) else { return backText }
        return "\(awayPrefix): \(r)"
    }

    /// The note an action carries, if it is one (exactly the forms above,
    /// or `is away` with no reason).
    public static func parse(_ action: String) -> AwayNote? {
        if action == backText { return .back }
        if action == awayPrefix { return .away(reason: "") }
        guard action.hasPrefix(awayPrefix + ": ") else { return nil }
        return .away(reason: String(action.dropFirst(awayPrefix.count + 2)))
    }
}
