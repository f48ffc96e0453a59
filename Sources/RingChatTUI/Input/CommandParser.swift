import RingChatCore

/// Parses the input line. Anything starting with `/` is a command, and a
/// mistyped command is an error line, never a message: `/nikc bob` must not
/// reach everyone's screen. `//text` sends `/text` literally.
public enum CommandParser {
    /// nil for a blank line (nothing to do).
    public static func parse(_ line: String) -> Command? {
        if line.allSatisfy(\.isWhitespace) { return nil }
        guard line.hasPrefix("/") else { return .say(line) }
        if line.hasPrefix("//") { return .say(String(line.dropFirst())) }

        let body = line.dropFirst()
        let name = body.prefix { !$0.isWhitespace }
        let args = body.dropFirst(name.count).trimmingWhitespace()
        guard !name.isEmpty else { return .invalid("empty command: type //text to send a line starting with /") }

        switch name.lowercased() {
        case "me":
            return args.isEmpty ? .invalid("usage: /me ACTION") : .me(args)
        case "nick":
            if args.isEmpty { return .invalid("usage: /nick NAME") }
            if let refusal = NickRule.refusal(args) { return .invalid(refusal) }
            return .nick(args)
        case "who": return noArguments(.who, "/who", args)
        case "names": return noArguments(.names, "/names", args)
        case "away": return .away(args.isEmpty ? nil : args)
        case "back": return noArguments(.away(nil), "/back", args)
        case "clear": return noArguments(.clear, "/clear", args)
        case "bell":
            if args.isEmpty { return .bell(nil) }
            return BellMode(rawValue: args.lowercased()).map { .bell($0) } ?? .invalid("usage: /bell off|mentions|all")
        case "help": return noArguments(.help, "/help", args)
        case "checkpoint": return noArguments(.checkpoint, "/checkpoint", args)
        case "crash": return noArguments(.crash, "/crash", args)
        case "tokenlog": return noArguments(.tokenLog, "/tokenlog", args)
        case "search", "lastlog":
            guard SearchQuery(args) != nil else { return .invalid("usage: /\(name.lowercased()) WORDS (lines holding every word; word* for a prefix, nick:NAME)") }
            return .search(args, lastlog: name.lowercased() == "lastlog")
        case "quit", "exit": return .quit
        case "join", "j": return join(args)
        case "part", "close":
            if args.isEmpty { return .part(nil) }
            guard let room = RoomName.parse(args) else { return .invalid(notARoom(args)) }
            return .part(room)
        case "list": return noArguments(.list, "/list", args)
        case "window", "win":
            guard let n = Int(args), n >= 1 else { return .invalid("usage: /window N (Alt-1..9 too)") }
            return .window(n)
        case "msg":
            let nick = String(args.prefix { !$0.isWhitespace })
            let text = Substring(args.dropFirst(nick.count)).trimmingWhitespace()
            guard !nick.isEmpty, !text.isEmpty else { return .invalid("usage: /msg NICK TEXT") }
            if let refusal = NickRule.refusal(nick) { return .invalid(refusal) }
            return .msg(nick: nick, text: text)
        case "query", "whois":
            let what = name.lowercased()
            guard !args.isEmpty, !args.contains(where: \.isWhitespace) else { return .invalid("usage: /\(what) NICK") }
            if let refusal = NickRule.refusal(args) { return .invalid(refusal) }
            return what == "query" ? .query(args) : .whois(args)
        default: return .unknown(String(name))
        }
    }

    /// The `/help` text, one line each.
    public static let helpLines: [String] = [
        "commands:",
        "  /nick NAME     change your nick (1-32 bytes, no spaces or control characters)",
        "  /me ACTION     send an action (* you ACTION)",
        "  /who           list the ring's members, the token and each one's lag",
        "  /names         who is here, with away notes",
        "  /away [REASON] mark yourself away (shown to everyone); /away alone: back",
        "  /clear         empty this pane (the history stays on disk: PgUp reads it back)",
        "  /bell off|mentions|all   when the terminal bell rings (default: mentions)",
        "  /checkpoint    write a checkpoint now (F2)",
        "  /crash         simulate a crash: restore the last checkpoint (F9)",
        "  /tokenlog      the full token log: every grant and pass (F3; again to come back)",
        "  /search WORDS  the lines of the whole history holding every word (/lastlog too); Enter: in context, Esc: back",
        "  /join #NAME    join a room and open its window (/join #a,#b: several); window 1 is #lobby",
        "  /part [#NAME]  leave the room and close its window (not #lobby; in a query window: close it; also /close)",
        "  /list          the rooms seen on the ring, with their member counts",
        "  /window N      go to window N (Alt-1..9, Alt-0 for 10)",
        "  /msg NICK TEXT a private message, sealed for NICK alone; it shows in NICK's window",
        "  /query NICK    open the private window with NICK: lines typed there go to NICK alone",
        "  /whois NICK    NICK's node id, key fingerprint and whether online",
        "  /quit          leave (Ctrl-D on an empty line)",
        "  //text         send a line starting with /",
        "keys: F2 checkpoint, F3 full token log, F9 simulated crash, PgUp/PgDn and the wheel scroll, Alt-1..9 windows,",
        "      Up/Down history, Tab completes nicks, Ctrl-A/E/K/U/W/Y edit, Alt-B/F and Ctrl-Left/Right",
        "      move by word, Ctrl-L redraws, Ctrl-D on an empty line quits; a paste of more than",
        "      \(PastePolicy.askAbove) lines asks before it is sent",
    ]

    /// `/join #a,#b` or `/join a b`: every name must be a room's.
    private static func join(_ args: String) -> Command {
        let names = args.split { $0 == "," || $0.isWhitespace }.map(String.init)
        guard !names.isEmpty else { return .invalid("usage: /join #NAME (several: /join #a,#b)") }
        var rooms: [String] = []
        for n in names {
            guard let r = RoomName.parse(n) else { return .invalid(notARoom(n)) }
            if !rooms.contains(r) { rooms.append(r) }
        }
        return .join(rooms)
    }

    static func notARoom(_ text: String) -> String {
        "not a room name: \(text) (# then 1-31 of a-z 0-9 - _ .)"
    }

    // A stray argument to /crash is more likely a typo than intent: refuse.
    private static func noArguments(_ c: Command, _ name: String, _ args: String) -> Command {
        args.isEmpty ? c : .invalid("\(name) takes no arguments")
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
