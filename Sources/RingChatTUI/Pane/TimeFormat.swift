import RingChatCore

/// Wall-clock formatting without Foundation or the C library, so it is
/// the same under test and in the app. The app passes the local UTC offset
/// (see `LocalTime.utcOffsetSeconds`).
public enum TimeFormat {
    /// `HH:MM` for a time in milliseconds since the Unix epoch.
    public static func hhmm(wallClockMs: Int64, utcOffsetSeconds: Int) -> String {
        let local = floorDiv(wallClockMs, 1000).addingSaturating(Int64(utcOffsetSeconds))
        let minuteOfDay = floorMod(floorDiv(local, 60), 24 * 60)
        return pad2(minuteOfDay / 60) + ":" + pad2(minuteOfDay % 60)
    }

    /// A short age: `4s`, `12m`, `3h`, `2d`.
    public static func age(seconds: Int) -> String {
        let s = max(0, seconds)
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86400 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }

    private static func pad2(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
    // Times before 1970 (or a negative offset near it) must not go negative.
    // (No negation: -Int64.min traps, and a peer picks the timestamp.)
    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a + 1) / b - 1 }
    private static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { ((a % b) + b) % b }
}
