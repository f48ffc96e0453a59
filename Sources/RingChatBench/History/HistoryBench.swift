#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatStorage
import RingChatSession

/// `ringchat bench-history`: builds replicas of a long history and measures
/// how a node copes with them (docs/STORAGE.md, "Figures"), on real
/// processes over loopback multicast:
///
/// 1. two state dirs: A with `messages` lines, C with all but the last
///    `missed` of them (the same lines: C was away);
/// 2. first start of each on that replica alone (no checkpoint, no index:
///    the upgrade path, which reads every line once), then a clean stop;
/// 3. restart of A: start to `restored`, start to the first delivery of a
///    line typed at once, a checkpoint's write time;
/// 4. C starts while A chats (a line every `chatInterval`): time until C's
///    lag is 0 and it holds everything, and the longest gap between A's
///    live lines meanwhile (a stall of the ring);
/// 5. `ringchat reconcile A C`: time and peak memory;
/// 6. peak RSS (VmHWM, from wait4) of every process;
/// 7. `/search`: the search index's build and its queries on A
///    (HistoryBench+Search.swift; `--search-only` runs just that, and a
///    TUI's `/search` on A in tmux).
public struct HistoryBench {
    public struct Options: Sendable {
        public var messages = 1_000_000
        public var missed = 100_000
        /// The `ringchat` executable to run (this one by default).
        public var executable: String
        /// Where the state dirs go (a fresh temp dir by default).
        public var directory: String?
        public var keep = false
        public var chatInterval = 0.05
        /// Give up on a step after this many seconds.
        public var timeout = 600.0
        /// Only the search figures: A alone, its search index, the TUI's /search.
        public var searchOnly = false
        public init(executable: String) { self.executable = executable }
    }

    public let options: Options
    let out: (String) -> Void

    public init(options: Options, print: @escaping (String) -> Void) {
        self.options = options
        self.out = print
    }

    // MARK: building the replicas

    static let origins: [NodeID] = [NodeID(0x1111_0000_0000_0001), NodeID(0x2222_0000_0000_0002),
                                    NodeID(0x3333_0000_0000_0003), NodeID(0x4444_0000_0000_0004)]

    /// Message `i` (0-based) of the generated history: four senders in
    /// turn, one ring, about 100 bytes of text.
    static func message(_ i: Int) -> ChatMessage {
        let o = origins[i % origins.count]
        let ring = RingID(epoch: 1, creator: origins[0], incarnation: 1)
        let text = "message \(i) of the long history, padded to about a hundred bytes like a chat line " + String(repeating: "x", count: 10)
        return ChatMessage(id: MessageID(origin: o, incarnation: 1, counter: UInt32(i / origins.count + 1)),
                           nick: "user\(i % origins.count)", text: text, kind: .text,
                           slot: Slot(ring: ring, seq: UInt64(i + 1)), timestamp: 1_700_000_000_000 + Int64(i) * 1_000)
    }

    /// Writes replica.jsonl of `dirs[k]` with the first `counts[k]` messages.
    static func build(_ dirs: [StateDirectory], counts: [Int]) throws {
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        for d in dirs {
            try d.create()
            let fd = open(d.replicaPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw SystemError("open", context: d.replicaPath) }
            fds.append(fd)
        }
        var buf: [UInt8] = []
        let total = counts.max() ?? 0
        var i = 0
        while i < total {
            buf.removeAll(keepingCapacity: true)
            let end = min(total, i + 10_000)
            for j in i..<end { ReplicaLineCodec.append(message(j), to: &buf) }
            // Each dir gets the lines of this block it should hold.
            var offset = 0
            var lineEnds: [Int] = []
            for (k, b) in buf.enumerated() where b == 0x0A { lineEnds.append(k + 1) }
            for (k, fd) in fds.enumerated() {
                let upto = counts[k] - i
                if upto <= 0 { continue }
                let bytes = upto >= lineEnds.count ? buf.count : lineEnds[upto - 1]
                try FileIO.writeAll(fd, Array(buf[0..<bytes]), path: dirs[k].replicaPath)
            }
            offset += buf.count
            i = end
        }
    }

    // MARK: running

    func node(_ name: String, _ dir: StateDirectory, group: String) throws(BenchError) -> ChildProcess {
        try ChildProcess(name, argv: [options.executable, "chat", "--headless", "--nick", name, "--state-dir", dir.path,
                                   "--group", group, "--checkpoint-every", "3600"],
                         stdin: true, stdout: .pipe)
    }

    /// Reads `n`'s events until `done` says so; throws after the timeout.
    func waitFor(_ n: ChildProcess, _ what: String, others: [ChildProcess] = [], _ done: (EventLine) -> Bool) throws(BenchError) {
        try BenchClock.wait("\(n.name): \(what)", timeout: options.timeout, wakeOn: [n.stdoutFD]) { () throws(BenchError) -> Bool in
            for o in others { _ = o.readLines() }
            if n.readLines().contains(where: { done(EventLine($0)) }) { return true }
            var st: Int32 = 0
            if waitpid(n.pid, &st, WNOHANG) == n.pid { throw BenchError("\(n.name) exited while waiting for \(what)") }
            return false
        }
    }

    func stop(_ n: ChildProcess) -> Int {
        n.signal(SIGTERM)
        n.reap(timeout: options.timeout)
        return n.peakKiB ?? 0
    }

    func mib(_ kib: Int) -> String { "\(kib / 1024) MiB" }
    func ms(_ s: Double) -> String { "\(Int((s * 1000).rounded())) ms" }

    public func run() throws {
        let n = options.messages, missed = min(options.missed, options.messages)
        let root: String
        if let d = options.directory { root = d } else {
            var template = Array("/tmp/rc-bench-history-XXXXXX".utf8CString)
            guard let p = mkdtemp(&template) else { throw BenchError("mkdtemp failed") }
            root = String(cString: p)
        }
        defer { if !options.keep, options.directory == nil { _ = rmTree(root) } }
        let a = StateDirectory(path: root + "/A"), c = StateDirectory(path: root + "/C")
        let group = "239.\(Int.random(in: 1...254)).\(Int.random(in: 1...254)).\(Int.random(in: 1...254)):\(Int.random(in: 40_000...60_999))"
        out("bench-history: \(n) messages in A, \(n - missed) in C (\(missed) missed), state in \(root), group \(group)")

        var t0 = BenchClock.seconds()
        if options.searchOnly {
            try Self.build([a], counts: [n])
            out("built the replica in \(ms(BenchClock.seconds() - t0)): A \(fileSize(a.replicaPath) / 1_048_576) MiB")
            try searchFigures(a, n: n)
            try tuiSearch(a, group: group, n: n)
            return
        }
        try Self.build([a, c], counts: [n, n - missed])
        out("built the replicas in \(ms(BenchClock.seconds() - t0)): A \(fileSize(a.replicaPath) / 1_048_576) MiB")

        // First start on a bare replica (as after an upgrade): every line
        // is read once, the index built; the final checkpoint then records
        // the snapshot.
        for (name, dir) in [("A", a), ("C", c)] {
            let p = try node(name, dir, group: group)
            try waitFor(p, "restored") { $0.name == "restored" }
            let t = BenchClock.seconds() - p.startedAt
            let peak = stop(p)
            out("first start of \(name) (no checkpoint, no index: reads every line, builds the index): \(ms(t)) to restored, peak RSS \(mib(peak))")
        }

        // Restart of A: only the checkpoint and the index are read.
        let pa = try node("A", a, group: group)
        pa.say("first line after the restart")
        try waitFor(pa, "restored") { $0.name == "restored" }
        let restored = BenchClock.seconds() - pa.startedAt
        try waitFor(pa, "the first delivery") { $0.name == "delivered" && $0.string("text") == "first line after the restart" }
        let firstDelivery = BenchClock.seconds() - pa.startedAt
        out("restart of A holding \(n) messages: \(ms(restored)) to restored, \(ms(firstDelivery)) to the first delivery")
        pa.signal(SIGUSR1)
        var writeMicros = 0
        try waitFor(pa, "a checkpoint") { e in
            guard e.name == "checkpoint" else { return false }
            writeMicros = e.int("writeMicros") ?? -1
            return true
        }
        out("checkpoint of A at \(n) messages written in \(writeMicros / 1000).\(writeMicros % 1000 / 100) ms (fsyncs included)")

        // C comes back while A chats.
        let pc = try node("C", c, group: group)
        try waitFor(pc, "restored", others: [pa]) { $0.name == "restored" }
        t0 = BenchClock.seconds()
        var nextLine = t0, typed = 0
        var lastLive = t0, maxGap = 0.0
        var backfilled = 0, sawLag = false, lastLag = -1
        var allHeld: Double?
        var lagZeroAt: Double?
        var firstStats = true
        var lagSamples: [(Double, Int)] = []
        var rssSamples: [(Double, Int)] = []
        var nextRSS = t0
        let end = t0 + options.timeout
        var done: Double?
        while done == nil, BenchClock.seconds() < end {
            let now = BenchClock.seconds()
            if now >= nextRSS {
                rssSamples.append((now - t0, Self.residentKiB(pc.pid)))
                if lagZeroAt != nil { pc.say("/stats") }
                nextRSS += 0.5
            }
            if now >= nextLine {
                typed += 1
                pa.say("live \(typed)")
                nextLine += options.chatInterval
            }
            for l in pa.readLines() {
                let e = EventLine(l)
                if e.name == "delivered", e.string("text")?.hasPrefix("live ") == true {
                    let t = BenchClock.seconds()
                    maxGap = max(maxGap, t - lastLive)
                    lastLive = t
                }
            }
            for l in pc.readLines() {
                let e = EventLine(l)
                switch e.name {
                case "delivered":
                    if e.bool("backfill") || e.string("text")?.hasPrefix("message ") == true {
                        backfilled += 1
                        if backfilled == missed { allHeld = BenchClock.seconds() - t0 }
                    }
                case "stats":
                    // The first answer confirms the lag-0 time; a later one
                    // (the disk still behind then) counts from its own time.
                    if let z = lagZeroAt {
                        let t = firstStats ? z : BenchClock.seconds() - t0
                        if (e.int("replicaAppended") ?? 0) >= missed { done = t; allHeld = allHeld ?? t }
                        firstStats = false
                    }
                case "status":
                    if let lag = e.int("lag") {
                        if lag > 0 { sawLag = true }
                        if lag != lastLag { lagSamples.append((BenchClock.seconds() - t0, lag)); lastLag = lag }
                        // Lag 0: confirmed by the disk's count (the delivered
                        // events may be dropped by a slow reader).
                        if sawLag, lag == 0, lagZeroAt == nil { lagZeroAt = BenchClock.seconds() - t0; pc.say("/stats") }
                        if lag > 0 { lagZeroAt = nil }
                    }
                default: break
                }
            }
            var p = [pollfd(fd: pa.stdoutFD, events: Int16(POLLIN), revents: 0), pollfd(fd: pc.stdoutFD, events: Int16(POLLIN), revents: 0)]
            _ = poll(&p, 2, 5)
        }
        // And a little after it: memory still held then is not a backlog.
        let settle = BenchClock.seconds() + 2
        while BenchClock.seconds() < settle {
            _ = pa.readLines(); _ = pc.readLines()
            if BenchClock.seconds() >= nextRSS { rssSamples.append((BenchClock.seconds() - t0, Self.residentKiB(pc.pid))); nextRSS += 0.5 }
            usleep(20_000)
        }
        out("RSS of C during the catch-up: " + rssSamples.map { "\($0.1 / 1024)MiB@\(ms($0.0))" }.joined(separator: " "))
        let samples = lagSamples.count <= 12 ? lagSamples
            : stride(from: 0, to: lagSamples.count, by: lagSamples.count / 10).map { lagSamples[$0] } + [lagSamples.last!]
        out("catch-up of C: lag " + samples.map { "\($0.1)@\(ms($0.0))" }.joined(separator: " "))
        if let done {
            out("catch-up of \(missed) missed messages: all held after \(ms(allHeld ?? done)), lag 0 after \(ms(done)); A typed \(typed) live lines meanwhile, longest gap between them at A \(ms(maxGap))")
        } else {
            out("catch-up: lag 0 NOT seen within \(Int(options.timeout)) s: \(backfilled) of \(missed) received"
                + (allHeld.map { " (all of them after \(ms($0)))" } ?? "") + ", last lag \(lastLag)")
        }
        let peakC = stop(pc)
        let peakA = stop(pa)
        out("peak RSS (VmHWM) of A, restarted with \(n) messages, serving the catch-up: \(mib(peakA))")
        out("peak RSS (VmHWM) of C, restarted with \(n - missed) and caught up: \(mib(peakC))")

        try tuiScrollBack(a, group: group, n: n, newest: "live \(typed)")
        try searchFigures(a, n: n)

        // Offline reconcile of the two replicas.
        let r = try ChildProcess("reconcile", argv: [options.executable, "reconcile", a.path, c.path], stdout: .pipe)
        while !r.exited { _ = r.readLines(); r.reap(timeout: 0.05) }
        let rt = BenchClock.seconds() - r.startedAt
        out("ringchat reconcile A C: \(ms(rt)), peak RSS \(mib(r.peakKiB ?? 0))")
    }

    /// The TUI on A's replica in a private tmux server: PgUp until the
    /// first message is on screen; its peak RSS then.
    func tuiScrollBack(_ a: StateDirectory, group: String, n: Int, newest: String) throws {
        let tmux = ["/usr/bin/env", "tmux", "-L", "rc-bench-\(getpid())"]
        defer { ChildProcess.run(tmux + ["kill-server"]) }
        // More than one word after new-session: tmux runs them as argv, no
        // shell, so a path with spaces in it stays one argument.
        let argv = [options.executable, "chat", "--nick", "A", "--state-dir", a.path, "--group", group, "--checkpoint-every", "3600"]
        ChildProcess.run(tmux + ["new-session", "-d", "-s", "tui", "-x", "120", "-y", "40"] + argv)
        let pidText = ChildProcess.run(tmux + ["list-panes", "-t", "tui", "-F", "#{pane_pid}"]).output
        guard let pid = pid_t(pidText.split(separator: "\n").first ?? "") else { throw BenchError("no TUI pid in '\(pidText)'") }
        let t0 = BenchClock.seconds()
        func screen() -> String { ChildProcess.run(tmux + ["capture-pane", "-p", "-t", "tui"]).output }
        while !screen().contains(newest) {
            if BenchClock.seconds() - t0 > options.timeout { throw BenchError("the TUI never showed the newest message") }
            usleep(50_000)
        }
        let shown = BenchClock.seconds() - t0
        var presses = 0
        while !screen().contains("message 0 of") {
            if BenchClock.seconds() - t0 > options.timeout { throw BenchError("PgUp never reached the first message (\(presses) presses); screen:\n\(screen())") }
            ChildProcess.run(tmux + ["send-keys", "-t", "tui", "-N", "200", "PPage"])
            presses += 200
            usleep(20_000)
        }
        let reached = BenchClock.seconds() - t0
        let hwm = Self.statusKiB(pid, "VmHWM:")
        out("TUI on A (\(n) messages): newest line on screen after \(ms(shown)); PgUp to the first message in \(ms(reached - shown)) (\(presses) presses sent); peak RSS (VmHWM) \(mib(hwm))")
        ChildProcess.run(tmux + ["send-keys", "-t", "tui", "C-d"])
        usleep(500_000)
    }

    static func residentKiB(_ pid: pid_t) -> Int { statusKiB(pid, "VmRSS:") }

    /// A `kB` field of a running process's /proc status (0 if unreadable).
    static func statusKiB(_ pid: pid_t, _ field: String) -> Int {
        guard let bytes = try? FileIO.read("/proc/\(pid)/status", limit: 1 << 16) else { return 0 }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.dropFirst(field.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
        }
        return 0
    }

    func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// Removes the bench's own temp tree (files one level deep in dirs).
    func rmTree(_ path: String) -> Bool {
        guard let d = opendir(path) else { return unlink(path) == 0 }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(d)
        for n in names { _ = rmTree(path + "/" + n) }
        return rmdir(path) == 0
    }
}
