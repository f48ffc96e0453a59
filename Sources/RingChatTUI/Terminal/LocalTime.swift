#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The local time zone, read from the C library once per call: the pure
/// models take the offset as a number so that tests never depend on TZ.
public enum LocalTime {
    /// Seconds east of UTC at `unixSeconds` (now by default).
    public static func utcOffsetSeconds(at unixSeconds: Int? = nil) -> Int {
        var t = time_t(unixSeconds ?? Int(time(nil)))
        var parts = tm()
        guard localtime_r(&t, &parts) != nil else { return 0 }
        return Int(parts.tm_gmtoff)
    }

    /// Milliseconds since the Unix epoch, for stamping local lines.
    public static func nowMilliseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
