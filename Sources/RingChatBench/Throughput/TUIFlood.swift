#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension BenchHarness {
    /// `ringchat bench --tui-flood`: the chat screen under a flood. A
    /// `bench-peer` sends `rate` lines a second for `seconds` to a ring with
    /// one `ringchat chat` in a private tmux server (120x40); while it lasts
    /// a key is typed every 100 ms. The screen's latency probe
    /// (`RINGCHAT_LATENCY_LOG`) times each key from the poll() wake-up that
    /// read it to the end of the frame that echoes it, and counts the lines
    /// each frame carried; the pane is current when the flooder's END line
    /// is on it.
    public func tuiFlood(rate: Int) throws(BenchError) {
        let dir = try BenchFiles.tempDir()
        defer { BenchFiles.removeTree(dir) }
        let group = "239.\(Int.random(in: 100...199)).\(Int.random(in: 0...255)).\(Int.random(in: 1...254)):\(Int.random(in: 20_000...60_000))"
        let exe = settings.executable
        let flooder = try ChildProcess("flood", argv: [exe, "bench-peer", "--group", group, "--interface", "127.0.0.1",
                                                       "--state-dir", "\(dir)/flood", "--nick", "flood", "--members", "2",
                                                       "--seconds", String(settings.seconds), "--window", String(max(64, rate / 5)),
                                                       "--rate", String(rate)],
                                       stdout: .file("\(dir)/flood.out"), stderr: "\(dir)/flood.err")
        defer { flooder.kill() }
        let log = "\(dir)/latency.log"
        let tmux = ["/usr/bin/env", "tmux", "-L", "rc-flood-\(getpid())"]
        defer { ChildProcess.run(tmux + ["kill-server"]) }
        // More than one word after new-session: tmux runs them as argv.
        let started = ChildProcess.run(tmux + ["-f", "/dev/null", "new-session", "-d", "-s", "tui", "-x", "120", "-y", "40",
                                               "-e", "RINGCHAT_LATENCY_LOG=\(log)", "-e", "LANG=C.UTF-8",
                                               exe, "chat", "--nick", "viewer", "--state-dir", "\(dir)/viewer",
                                               "--group", group, "--interface", "127.0.0.1"])
        guard started.status == 0 else { throw BenchError("tmux new-session failed (\(started.status))") }
        func screen() -> String { ChildProcess.run(tmux + ["capture-pane", "-p", "-t", "tui"]).output }
        try BenchClock.wait("the flood on the screen", timeout: 60) { screen().contains("<flood> b") }
        let t0 = BenchClock.seconds()
        var keys = 0
        while BenchClock.seconds() - t0 < settings.seconds {
            ChildProcess.run(tmux + ["send-keys", "-t", "tui", "x"])
            keys += 1
            usleep(100_000)
        }
        let end = BenchClock.seconds()
        try BenchClock.wait("the flooder's END line on the screen", timeout: 60) { screen().contains("<flood> e ") }
        let current = BenchClock.seconds() - end
        var keyMicros: [Int] = [], perFrame: [Int] = []
        for line in (BenchFiles.read(log) ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 2, let v = Int(f[1]) else { continue }
            if f[0] == "key_us" { keyMicros.append(v) } else if f[0] == "frame" { perFrame.append(v) }
        }
        keyMicros.sort()
        func pct(_ p: Double) -> Int { keyMicros.isEmpty ? -1 : keyMicros[min(keyMicros.count - 1, Int(Double(keyMicros.count) * p))] }
        let lines = perFrame.reduce(0, +)
        print("tui_flood rate=\(rate) secs=\(Int(settings.seconds)) keys=\(keys) key_echo_us_med=\(pct(0.5)) key_echo_us_p99=\(pct(0.99)) key_echo_us_max=\(keyMicros.last ?? -1) keys_echoed=\(keyMicros.count) lines=\(lines) frames=\(perFrame.count) lines_per_frame_max=\(perFrame.max() ?? 0) pane_current_after_ms=\(Int(current * 1000))")
    }
}
