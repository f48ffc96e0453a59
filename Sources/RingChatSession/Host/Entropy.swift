#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatIO
import RingChatStorage

/// Seeds and node ids for the shell: the core draws no randomness itself.
public enum Entropy {
    /// 64 random bits from /dev/urandom; if that cannot be read, a mix of
    /// the clocks and the pid (good enough for a seed, never for a key).
    public static func random64() -> UInt64 {
        var v: UInt64 = 0
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            defer { close(fd) }
            let n = withUnsafeMutableBytes(of: &v) { read(fd, $0.baseAddress, $0.count) }
            if n == MemoryLayout<UInt64>.size { return v }
        }
        var x = UInt64(bitPattern: SystemClock.monotonicNow().nanoseconds)
        x ^= UInt64(bitPattern: SystemClock.wallClockMillis()) &* 0x9E37_79B9_7F4A_7C15
        x ^= UInt64(UInt32(bitPattern: getpid())) << 32
        return x
    }
}
