#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatIO
import RingChatStorage
import RingChatSession

/// One `ringchat` process of the history benchmark: posix_spawn with
/// stdin and stdout pipes; its JSON event lines are read as they come.
/// Only ever signalled by its own pid.
final class BenchNode {
    let name: String
    let pid: pid_t
    let startedAt: Double
    private var stdinFD: Int32
    let stdoutFD: Int32
    private var pending: [UInt8] = []
    private(set) var exited = false
    /// Peak resident set (VmHWM) in KiB, from wait4 once it has exited.
    private(set) var peakKiB: Int?

    init(_ name: String, argv: [String]) throws(BenchError) {
        self.name = name
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0 else { throw BenchError("pipe: \(errno)") }
        for fd in inPipe + outPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_adddup2(&fa, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&fa, outPipe[1], 1)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var cargv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargv { free(p) } }
        var p: pid_t = 0
        startedAt = BenchClock.seconds()
        let rc = posix_spawn(&p, argv[0], &fa, &attr, &cargv, environ)
        close(inPipe[0])
        close(outPipe[1])
        guard rc == 0 else {
            close(inPipe[1])
            close(outPipe[0])
            throw BenchError("posix_spawn \(argv[0]): \(String(cString: strerror(rc)))")
        }
        pid = p
        stdinFD = inPipe[1]
        stdoutFD = outPipe[0]
        _ = fcntl(stdoutFD, F_SETFL, fcntl(stdoutFD, F_GETFL) | O_NONBLOCK)
    }

    deinit {
        kill()
        if stdinFD >= 0 { close(stdinFD) }
        close(stdoutFD)
    }

    func say(_ line: String) {
        guard stdinFD >= 0 else { return }
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(stdinFD, $0.baseAddress, $0.count) }
    }

    /// The complete lines read so far (non-blocking).
    func readLines() -> [String] {
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

    func signal(_ sig: Int32) { if !exited { _ = Glibc.kill(pid, sig) } }

    /// Waits for the exit (SIGKILL after `timeout` seconds) and records the
    /// peak resident set.
    func reap(timeout: Double) {
        let end = BenchClock.seconds() + timeout
        while !exited {
            var status: Int32 = 0
            var ru = rusage()
            let r = wait4(pid, &status, BenchClock.seconds() < end ? WNOHANG : 0, &ru)
            if r == pid {
                exited = true
                peakKiB = Int(ru.ru_maxrss)
                return
            }
            if BenchClock.seconds() >= end { _ = Glibc.kill(pid, SIGKILL) }
            _ = readLines()
            usleep(10_000)
        }
    }

    /// Runs a short command to its end; its stdout.
    static func run(_ argv: [String]) throws(BenchError) -> String {
        let p = try BenchNode(argv.first ?? "?", argv: argv)
        var out: [String] = []
        while !p.exited {
            out += p.readLines()
            p.reap(timeout: 0.02)
        }
        out += p.readLines()
        return out.joined(separator: "\n")
    }

    func kill() {
        guard !exited else { return }
        _ = Glibc.kill(pid, SIGKILL)
        reap(timeout: 0)
    }
}

// BenchClock and BenchError: Bench/BenchProcess.swift.

/// Fields of one JSON event line, read without a JSON decoder (the bench
/// reads a hundred thousand of them while the nodes it measures run).
struct BenchEvent {
    let line: String

    var name: String? { string("event") }

    func raw(_ key: String) -> Substring? {
        let needle = Array("\"\(key)\":".utf8)
        let u = Array(line.utf8)
        guard u.count >= needle.count,
              let at = (0...(u.count - needle.count)).first(where: { u[$0..<($0 + needle.count)].elementsEqual(needle) }) else { return nil }
        let rest = Substring(line.utf8.dropFirst(at + needle.count))
        if rest.first == "\"" {
            let body = rest.dropFirst()
            guard let end = body.firstIndex(of: "\"") else { return nil }
            return body[..<end]
        }
        let end = rest.firstIndex { $0 == "," || $0 == "}" } ?? rest.endIndex
        return rest[..<end]
    }

    func string(_ key: String) -> String? { raw(key).map(String.init) }
    func int(_ key: String) -> Int? { raw(key).flatMap { Int($0) } }
    func bool(_ key: String) -> Bool { raw(key) == "true" }
}
