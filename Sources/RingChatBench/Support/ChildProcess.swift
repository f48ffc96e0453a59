#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatIO
import RingChatStorage
import RingChatSession

/// One child process of a benchmark (a node, `ringchat reconcile`, tmux,
/// ip): started through `Spawn`, stdout to a file or a pipe read as it
/// comes, stdin a pipe when asked; signalled, killed and reaped by its pid
/// only.
final class ChildProcess {
    enum Output {
        /// A file, read whole by `output()`.
        case file(String)
        /// A pipe, read line by line by `readLines()`.
        case pipe
        /// A descriptor of the caller's (the end of a pipe to another child).
        case fd(Int32)
        case null
    }

    let name: String
    let pid: pid_t
    /// When it was started (`BenchClock`).
    let startedAt: Double
    private let stdoutPath: String?
    /// The read end of its stdout pipe, or -1.
    let stdoutFD: Int32
    private var stdinFD: Int32
    private var pending: [UInt8] = []
    private(set) var exited = false
    private(set) var exitStatus: Int32?
    /// Peak resident set (VmHWM) in KiB, from wait4 once it has exited.
    private(set) var peakKiB: Int?

    /// `stdin`: a pipe that `say` writes to; `stdinFrom`: a descriptor of
    /// the caller's instead (the caller closes its copy).
    init(_ name: String, argv: [String], stdin: Bool = false, stdinFrom: Int32? = nil, stdout: Output,
         stderr: String? = nil) throws(BenchError) {
        self.name = name
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1]
        if stdin { guard pipe(&inPipe) == 0 else { throw BenchError("pipe: \(errnoText(errno))") } }
        if case .pipe = stdout { guard pipe(&outPipe) == 0 else { throw BenchError("pipe: \(errnoText(errno))") } }
        // No pipe end may leak into another child (a leaked write end keeps
        // a reader from ever seeing EOF).
        for fd in inPipe + outPipe where fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let out: Spawn.Stream
        switch stdout {
        case .file(let path): out = .file(path)
        case .pipe: out = .fd(outPipe[1])
        case .fd(let fd): out = .fd(fd)
        case .null: out = .null
        }
        startedAt = BenchClock.seconds()
        let input: Spawn.Stream = stdin ? .fd(inPipe[0]) : stdinFrom.map { .fd($0) } ?? .null
        let started = Spawn.start(argv, stdin: input, stdout: out,
                                  stderr: stderr.map { .file($0) } ?? .null)
        if inPipe[0] >= 0 { close(inPipe[0]) }
        if outPipe[1] >= 0 { close(outPipe[1]) }
        switch started {
        case .success(let p): pid = p
        case .failure(let e):
            if inPipe[1] >= 0 { close(inPipe[1]) }
            if outPipe[0] >= 0 { close(outPipe[0]) }
            throw BenchError(e.description)
        }
        stdinFD = inPipe[1]
        stdoutFD = outPipe[0]
        if stdoutFD >= 0 { _ = fcntl(stdoutFD, F_SETFL, fcntl(stdoutFD, F_GETFL) | O_NONBLOCK) }
        if case .file(let path) = stdout { stdoutPath = path } else { stdoutPath = nil }
    }

    deinit {
        kill()
        if stdinFD >= 0 { close(stdinFD) }
        if stdoutFD >= 0 { close(stdoutFD) }
    }

    /// Its stdout file so far.
    func output() -> String { stdoutPath.flatMap(BenchFiles.read) ?? "" }

    /// Writes one line to its stdin pipe.
    func say(_ line: String) {
        guard stdinFD >= 0 else { return }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
    }

    /// The complete lines of its stdout pipe read so far (non-blocking).
    func readLines() -> [String] {
        guard stdoutFD >= 0 else { return [] }
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { read(stdoutFD, $0.baseAddress, $0.count) }
            if n > 0 { pending += buf[0..<n]; continue }
            if n < 0, errno == EINTR { continue }
            break
        }
        var out: [String] = []
        var start = 0
        while let nl = pending[start...].firstIndex(of: 0x0A) {
            out.append(String(decoding: pending[start..<nl], as: UTF8.self))
            start = nl + 1
        }
        pending.removeFirst(start)
        return out
    }

    func signal(_ sig: Int32) {
        guard !exited else { return }
        _ = Glibc.kill(pid, sig)
    }

    /// Reaps it, waiting at most `timeout` seconds, then SIGKILL; records
    /// the peak resident set. Keeps reading its stdout pipe meanwhile, so
    /// that a chatty child cannot block on a full pipe.
    func reap(timeout: Double) {
        let end = BenchClock.seconds() + timeout
        while !exited {
            var status: Int32 = 0
            var ru = rusage()
            let r = wait4(pid, &status, BenchClock.seconds() < end ? WNOHANG : 0, &ru)
            if r == pid {
                exited = true
                exitStatus = status
                peakKiB = Int(ru.ru_maxrss)
                return
            }
            if BenchClock.seconds() >= end { _ = Glibc.kill(pid, SIGKILL) }
            _ = readLines()
            usleep(10_000)
        }
    }

    func kill() {
        guard !exited else { return }
        _ = Glibc.kill(pid, SIGKILL)
        reap(timeout: 0)
    }

    /// Runs a short command (ip, rm, tmux) to its end: its exit status
    /// (-1 if it could not start) and stdout.
    @discardableResult
    static func run(_ argv: [String]) -> (status: Int32, output: String) {
        guard let p = try? ChildProcess(argv.first ?? "?", argv: argv, stdout: .pipe) else { return (-1, "") }
        var out: [String] = []
        while !p.exited {
            out += p.readLines()
            p.reap(timeout: 0.02)
        }
        out += p.readLines()
        let status = p.exitStatus.map { ($0 & 0x7f) == 0 ? ($0 >> 8) & 0xff : -1 } ?? -1
        return (status, out.joined(separator: "\n"))
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
