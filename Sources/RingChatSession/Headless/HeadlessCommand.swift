import RingChatCore

/// What a line of headless stdin means (README, "Headless chat").
///
/// A plain line goes to the lobby, as it did before rooms: a bot that knows
/// nothing of rooms keeps working. A line for a room names it in a command
/// (`/say #ops TEXT`, irssi's `/say` and `/action`), never by a prefix of
/// the line itself: "#1 is done" stays a lobby line.
public enum HeadlessCommand: Equatable, Sendable {
    /// A line for the lobby.
    case say(String)
    /// An action (`/me`) for the lobby.
    case action(String)
    /// A line or an action for a room (`room`: its wire form, `#name` or
    /// the lobby's "").
    case line(String, kind: MessageKind, room: String)
    /// Rooms to join or leave (wire forms, `#name`).
    case join([String])
    case part([String])
    /// The rooms seen on the ring, answered as a `list` event.
    case list
    /// A private message to the live or remembered member of this nick.
    case msg(nick: String, text: String)
    /// What this node knows of a nick (its key fingerprint), as a `whois` event.
    case whois(String)
    case checkpoint
    case crash
    case stats
    case nick(String)
    case quit
    case ignore
    case unknown(String)

    /// `/checkpoint`, `/crash`, `/stats`, `/nick NAME`, `/me TEXT`, `/quit`,
    /// `/join #a[,#b]`, `/part #a[,#b]`, `/list`, `/say #room TEXT`,
    /// `/action #room TEXT`, `/msg NICK TEXT`, `/whois NICK`; `//text`
    /// sends `/text`; an empty line is ignored; anything else is a message
    /// to the lobby.
    public static func parse(_ line: String) -> HeadlessCommand {
        if line.allSatisfy({ $0 == " " || $0 == "\t" }) { return .ignore }
        guard line.hasPrefix("/") else { return .say(line) }
        if line.hasPrefix("//") { return .say(String(line.dropFirst())) }
        let word = line.prefix { $0 != " " }
        let rest = String(line.dropFirst(word.count).drop { $0 == " " })
        switch word {
        case "/checkpoint": return .checkpoint
        case "/crash": return .crash
        case "/stats": return .stats
        case "/quit": return .quit
        case "/list": return .list
        case "/me": return rest.isEmpty ? .unknown("/me needs a text") : .action(rest)
        case "/nick":
            if rest.isEmpty { return .unknown("/nick needs a name") }
            if let refusal = NickRule.refusal(rest) { return .unknown(refusal) }
            return .nick(rest)
        case "/join", "/part":
            switch rooms(rest, command: String(word)) {
            case .success(let rs): return word == "/join" ? .join(rs) : .part(rs)
            case .failure(let why): return .unknown(why.message)
            }
        case "/say", "/action":
            let (target, text) = split(rest)
            guard !target.isEmpty, !text.isEmpty else { return .unknown("\(word) needs a room and a text: \(word) #room TEXT") }
            guard let room = RoomName.parse(target) else { return .unknown(notARoom(target)) }
            return .line(text, kind: word == "/say" ? .text : .action, room: room)
        case "/msg":
            let (nick, text) = split(rest)
            guard !nick.isEmpty, !text.isEmpty else { return .unknown("/msg needs a nick and a text: /msg NICK TEXT") }
            return .msg(nick: nick, text: text)
        case "/whois":
            let (nick, extra) = split(rest)
            guard !nick.isEmpty, extra.isEmpty else { return .unknown("/whois needs one nick: /whois NICK") }
            return .whois(nick)
        default: return .unknown("unknown command \(word) (use // to send a line starting with /)")
        }
    }

    /// The first word and what follows it (spaces between dropped).
    private static func split(_ s: String) -> (String, String) {
        let first = s.prefix { $0 != " " }
        return (String(first), String(s.dropFirst(first.count).drop { $0 == " " }))
    }

    private struct Refusal: Error { var message: String }

    /// `#a,#b` or `#a #b`: each a room name (`#` optional, any case).
    private static func rooms(_ s: String, command: String) -> Result<[String], Refusal> {
        let names = s.split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        guard !names.isEmpty else { return .failure(Refusal(message: "\(command) needs a room: \(command) #room")) }
        var out: [String] = []
        for n in names {
            guard let r = RoomName.parse(n) else { return .failure(Refusal(message: notARoom(n))) }
            guard r != RoomName.lobby else {
                return .failure(Refusal(message: "\(RoomName.lobbyDisplay) is every node's room: it cannot be joined or left"))
            }
            if !out.contains(r) { out.append(r) }
        }
        return .success(out)
    }

    private static func notARoom(_ s: String) -> String {
        "not a room name: \(s) (# and 1-31 of a-z 0-9 - _ .)"
    }
}
