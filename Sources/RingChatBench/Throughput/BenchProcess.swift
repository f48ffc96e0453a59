#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatIO
import RingChatStorage
import RingChatSession

/// One child process of the benchmark: spawned with stdout and stderr in
/// files, killed and reaped by its pid only.
final class BenchProcess {
    let pid: pid_t
    let stdoutPath: String
    private(set) var exited = false

    init(argv: [String], stdout: String, stderr: String) throws(BenchError) {
        switch Spawn.start(argv, stdout: stdout, stderr: stderr) {
        case .success(let p): pid = p
        case .failure(let e): throw BenchError(e.description)
        }
        stdoutPath = stdout
    }

    /// Its stdout so far.
    func output() -> String { BenchFiles.read(stdoutPath) ?? "" }

    func signal(_ sig: Int32) {
        guard !exited else { return }
        kill(pid, sig)
    }

    /// Reaps it, waiting at most `seconds`; then SIGKILL.
    func stop(within seconds: Double) {
        guard !exited else { return }
        let deadline = BenchClock.seconds() + seconds
        var status: Int32 = 0
        while BenchClock.seconds() < deadline {
            if waitpid(pid, &status, WNOHANG) == pid { exited = true; return }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        exited = true
    }

    /// User + system CPU time so far, in microseconds (from /proc).
    func cpuMicros() -> Int64? {
        guard let stat = BenchFiles.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After "pid (comm)": state is field 3, utime 14, stime 15.
        guard fields.count > 13, let u = Int64(fields[11]), let s = Int64(fields[12]) else { return nil }
        let hz = Int64(sysconf(Int32(_SC_CLK_TCK)))
        return (u + s) * 1_000_000 / max(1, hz)
    }
}

public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

enum BenchClock {
    static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

enum BenchFiles {
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func tempDir() throws(BenchError) -> String {
        var template = Array("/tmp/ringchat-bench-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw BenchError("mkdtemp failed") }
        return String(cString: p)
    }

    static func removeTree(_ path: String) {
        guard path.hasPrefix("/tmp/ringchat-bench-"), getenv("RINGCHAT_BENCH_KEEP") == nil else { return }
        _ = run(["/bin/rm", "-rf", path])
    }

    /// Runs a short helper command (ip, rm) and returns its exit status.
    @discardableResult
    static func run(_ argv: [String]) -> Int32 {
        var p: pid_t = 0
        var cargv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for x in cargv { free(x) } }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)
        guard posix_spawn(&p, argv[0], &fa, nil, &cargv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        _ = waitpid(p, &status, 0)
        return (status >> 8) & 0xFF
    }
}
