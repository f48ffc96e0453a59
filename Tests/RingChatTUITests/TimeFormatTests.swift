import Testing
@testable import RingChatTUI

@Suite struct TimeFormatTests {
    @Test(arguments: [
        (0, 0, "00:00"),
        (45_296_000, 0, "12:34"),           // 12:34:56 UTC
        (45_296_000, 3600, "13:34"),
        (45_296_000, -13 * 3600, "23:34"),  // previous day
        (1_700_000_000_000, 0, "22:13"),
        (1_700_000_000_000, 19_800, "03:43"),  // +05:30
        (-1, 0, "23:59"),
        (86_399_999, 0, "23:59"),
    ] as [(Int64, Int, String)])
    func hhmm(ms: Int64, offset: Int, expected: String) {
        #expect(TimeFormat.hhmm(wallClockMs: ms, utcOffsetSeconds: offset) == expected)
    }

    /// A peer picks the timestamp: the extremes of Int64 must format, not trap.
    @Test(arguments: [Int64.min, .min + 1, -1_000, .max - 1, .max])
    func extremeTimestampsFormat(ms: Int64) {
        for offset in [-14 * 3600, 0, 14 * 3600] {
            let s = TimeFormat.hhmm(wallClockMs: ms, utcOffsetSeconds: offset)
            #expect(s.count == 5 && s.dropFirst(2).first == ":", "\(ms) \(offset): \(s)")
        }
    }

    @Test(arguments: [(0, "0s"), (4, "4s"), (59, "59s"), (60, "1m"), (3599, "59m"), (7200, "2h"), (200_000, "2d"), (-5, "0s")])
    func age(seconds: Int, expected: String) {
        #expect(TimeFormat.age(seconds: seconds) == expected)
    }
}
