import Foundation
import Glibc
import Synchronization
import RingChatIO

/// A child process started with posix_spawn: stdin a pipe the test writes
/// to (or /dev/null), stdout and stderr files. Only ever signalled by its
/// own pid.
final class Child: @unchecked Sendable {
    let pid: pid_t
    let argv: [String]
    let stdoutPath: String
    let stderrPath: String
    private var stdinFD: Int32
    private var status: Int32?

    init(_ argv: [String], stdout: String, stderr: String, stdin: Bool = true) throws {
        ignoreSIGPIPE
        self.argv = argv
        self.stdoutPath = stdout
        self.stderrPath = stderr
        var fds: [Int32] = [-1, -1]
        if stdin {
            guard pipe(&fds) == 0 else { throw E2EError("pipe: \(errno)") }
            // Neither end may leak into other children (a leaked write end
            // would keep a peer's stdin open after closeStdin()).
            for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        }
        let env = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" } + ["LANG=C.UTF-8"]
        let started = Spawn.start(argv, stdinFD: stdin ? fds[0] : nil, stdout: stdout, stderr: stderr, environment: env)
        if stdin { close(fds[0]) }
        let p: pid_t
        switch started {
        case .success(let pid): p = pid
        case .failure(let e):
            if stdin { close(fds[1]) }
            throw E2EError(e.description)
        }
        pid = p
        stdinFD = stdin ? fds[1] : -1
    }

    deinit {
        kill()
        if stdinFD >= 0 { close(stdinFD) }
    }

    /// Writes lines to the child's stdin (false if it is gone).
    @discardableResult
    func send(_ lines: [String]) -> Bool {
        guard stdinFD >= 0 else { return false }
        let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(stdinFD, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            done += n
        }
        return true
    }

    func closeStdin() {
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
    }

    /// Reaps the child if it has exited; its raw wait status.
    func poll() -> Int32? {
        if let s = status { return s }
        var s: Int32 = 0
        let r = waitpid(pid, &s, WNOHANG)
        if r == pid { status = s }
        return status
    }

    var isRunning: Bool { poll() == nil }

    /// The exit code if it exited normally, nil if still running or killed.
    var exitCode: Int32? {
        guard let s = poll(), s & 0x7F == 0 else { return nil }
        return (s >> 8) & 0xFF
    }

    func signal(_ sig: Int32) {
        if isRunning { _ = Glibc.kill(pid, sig) }
    }

    /// Waits for exit up to `timeout`; true if it exited.
    @discardableResult
    func wait(timeout: Double) -> Bool {
        let end = now() + timeout
        while now() < end {
            if poll() != nil { return true }
            usleep(10_000)
        }
        return poll() != nil
    }

    /// Blocks until the child exits; its exit code, -1 if a signal ended it.
    func waitForExit() -> Int32 {
        if status == nil {
            var s: Int32 = 0
            while waitpid(pid, &s, 0) < 0 && errno == EINTR {}
            status = s
        }
        return exitCode ?? -1
    }

    /// SIGKILL (by pid) and reap. Safe to call twice.
    func kill() {
        guard status == nil else { return }
        _ = Glibc.kill(pid, SIGKILL)
        var s: Int32 = 0
        if waitpid(pid, &s, 0) == pid { status = s }
    }

    func stderrText() -> String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }
}

private let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

struct E2EError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Monotonic seconds.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Wall-clock milliseconds (the `at` field of every event).
func wallMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

func sleep(seconds: Double) { usleep(UInt32(seconds * 1_000_000)) }

/// How much longer than a healthy run needs every time limit of these
/// tests really is (RINGCHAT_E2E_PATIENCE, 4 by default). The limits
/// written in the tests are what an idle machine needs with some margin;
/// they exist to catch a defect (a ring that never forms, a message that is
/// never delivered), never to measure speed, so on a loaded 2-core CI
/// machine they stretch instead of failing. Only failing runs wait longer.
let patience: Double = {
    let v = Double(ProcessInfo.processInfo.environment["RINGCHAT_E2E_PATIENCE"] ?? "") ?? 4
    return max(1, v)
}()

/// Polls `cond` every 50 ms until it holds or `timeout` × `patience`
/// passes.
@discardableResult
func waitUntil(_ timeout: Double, _ cond: () -> Bool) -> Bool {
    let end = now() + timeout * patience
    while now() < end {
        if cond() { return true }
        usleep(50_000)
    }
    return cond()
}

/// Runs a short command to completion (for `ip`); throws with its stderr
/// if it fails.
@discardableResult
func run(_ argv: [String], in dir: String, allowFailure: Bool = false) throws -> Int32 {
    let tag = UInt64.random(in: 0...UInt64.max)
    let out = dir + "/cmd-\(tag).out", err = dir + "/cmd-\(tag).err"
    let c = try Child(argv, stdout: out, stderr: err, stdin: false)
    c.wait(timeout: 20)
    c.kill()
    let code = c.exitCode ?? -1
    if code != 0 && !allowFailure {
        throw E2EError("\(argv.joined(separator: " ")) failed (\(code)): \(c.stderrText())")
    }
    unlink(out); unlink(err)
    return code
}
