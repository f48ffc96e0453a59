/// Which nicks a node may choose: one rule for every place a nick is typed
/// (`--nick`, `/nick` in the TUI and in headless mode, `NodeHost.setNick`,
/// the node itself). Like irssi's: 1...`WireLimits.maxNickBytes` bytes of
/// UTF-8, no spaces or other whitespace, no control characters, no
/// direction overrides (which would reorder the rest of a line on screen),
/// and no leading `/` (it would read as a command).
///
/// A peer's nick arriving on the wire is not judged by this rule: the
/// decoder bounds its length and the screen neutralises what it shows
/// (hostile input, docs/SECURITY.md).
public enum NickRule {
    public static let maxBytes = WireLimits.maxNickBytes

    /// nil when `nick` is acceptable, else why not: a sentence that can
    /// follow "invalid nick: " or "--nick: ".
    public static func problem(_ nick: String) -> String? {
        if nick.isEmpty { return "a nick cannot be empty" }
        for s in nick.unicodeScalars {
            let v = s.value
            if v < 0x20 || (0x7F...0x9F).contains(v) { return "a nick cannot contain control characters" }
            if s.properties.isWhitespace { return "a nick cannot contain spaces" }
            if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F {
                return "a nick cannot contain direction overrides"
            }
        }
        if nick.hasPrefix("/") { return "a nick cannot start with /" }
        let n = nick.utf8.count
        if n > maxBytes { return "'\(nick)' is \(n) bytes, the limit is \(maxBytes)" }
        return nil
    }

    /// The error every entry point shows for a refused nick, the same for
    /// `--nick`, `/nick` and `NodeHost.setNick`: "invalid nick: …".
    public static func refusal(_ nick: String) -> String? {
        problem(nick).map { "invalid nick: \($0)" }
    }
}
