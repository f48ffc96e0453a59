/// Which nicks are allowed: what `/nick` and the app's `--nick` check.
public enum NickRule {
    public static let maxBytes = 32

    /// nil when `nick` is acceptable, else why not.
    public static func problem(with nick: String) -> String? {
        if nick.isEmpty { return "empty" }
        if nick.utf8.count > maxBytes { return "longer than \(maxBytes) bytes" }
        for s in nick.unicodeScalars {
            let v = s.value
            if s.properties.isWhitespace { return "no spaces allowed" }
            if v < 0x20 || (0x7F...0x9F).contains(v) { return "no control characters allowed" }
            if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) || v == 0x200E || v == 0x200F {
                return "no direction overrides allowed"
            }
        }
        if nick.hasPrefix("/") { return "must not start with /" }
        return nil
    }
}
