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
    /// `/join #a,#b`: the rooms' wire names (`#a`; the lobby is `""`).
    case join([String])
    /// `/part [#room]` (or `/close`): leave the room and close its window;
    /// nil: the window on screen.
    case part(String?)
    /// `/list`: the rooms seen on the ring, with their member counts.
    case list
    /// `/window N`, Alt-1..9 (Alt-0 is 10): switch to window N.
    case window(Int)
    /// `/msg NICK TEXT`: a private message.
    case msg(nick: String, text: String)
    /// `/query NICK`: open (or go to) the private window with NICK.
    case query(String)
    /// `/whois NICK`: NICK's node, key fingerprint and whereabouts.
    case whois(String)
    /// `/foo`: never sent as a message; the name is without the slash.
    case unknown(String)
    /// A known command used wrongly; the text is the error to show.
    case invalid(String)
}
