/// When the terminal bell rings (`/bell off|mentions|all`): irssi's
/// `beep_msg_level`, with the default a person expects from a chat, a bell
/// when someone names you and not for every line.
public enum BellMode: String, CaseIterable, Hashable, Sendable {
    case off, mentions, all

    /// A peer's line arrived live (never your own, never history read back).
    public func rings(mention: Bool) -> Bool {
        switch self {
        case .off: false
        case .mentions: mention
        case .all: true
        }
    }
}
