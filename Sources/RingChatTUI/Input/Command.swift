/// What a line typed in the input means.
public enum Command: Hashable, Sendable {
    case say(String)
    case me(String)
    case nick(String)
    case who
    /// `/names`: who is in the ring, with away notes.
    case names
    /// `/away REASON`, or `/away` alone: back.
    case away(String?)
    /// `/clear`: empty the pane on screen (history stays on disk).
    case clear
    /// `/bell off|mentions|all`; nil: say which is on.
    case bell(BellMode?)
    case help
    case checkpoint
    case crash
    /// F3: switch between the conversation and the full token log.
    case tokenLog
    /// `/search WORDS`, `/lastlog WORDS`: the history on disk (the words as typed).
    case search(String, lastlog: Bool)
    case quit
    /// `/foo`: never sent as a message; the name is without the slash.
    case unknown(String)
    /// A known command used wrongly; the text is the error to show.
    case invalid(String)
}
