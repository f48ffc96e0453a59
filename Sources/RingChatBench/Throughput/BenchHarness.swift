#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatIO
import RingChatStorage
import RingChatSession

/// `ringchat bench`: starts its own nodes (real sockets, replicas and
/// checkpoints on disk). `--via headless`: each node is a `ringchat chat
/// --headless` process driven by a `ringchat bench-client` process through
/// the documented interface (lines in, JSON events out), as a program would
/// use it; `--via inproc`: each node is a `ringchat bench-peer` that makes
/// its own load (the protocol alone), collects each peer's `bench` line, and prints one
/// line per scenario in the vocabulary of ../shared/anchors (cpgbench).
public final class BenchHarness {
    public struct Settings: Sendable {
        public var executable: String
        public var netns = false
        public var seconds = 10.0
        public var window = 64
        public var senders = 3
        public var nodes = 3
        public var crashRuns = 5
        public var idleSeconds = 30.0
        public var scaleSizes = [3, 8, 16, 32]
        public var scaleSeconds = 5.0
        public var tokenHold: Int?
        public var batch: Int?
        public var via: Via = .headless
        public init(executable: String) { self.executable = executable }
    }

    /// How the load reaches a node.
    public enum Via: String, Sendable, CaseIterable {
        /// A separate client process through stdin and stdout.
        case headless
        /// Made inside the node's own process.
        case inproc
    }

    let settings: Settings
    let network: BenchNetwork
    let print: (String) -> Void

    public init(settings: Settings, print: @escaping (String) -> Void) {
        self.settings = settings
        self.network = BenchNetwork(namespaces: settings.netns)
        self.print = print
    }

    /// Deletes the namespaces (call even after an error).
    public func close() { network.destroy() }

    /// One peer's `bench` line.
    struct Peer {
        var report: EventLine
        func int(_ k: String) -> Int { report.int(k) ?? 0 }
        var hash: String { report.string("hash") ?? "?" }
    }

    struct Spec {
        var nodes: Int
        /// Per node: window (0 = passive) and pace (0 = flat out).
        var load: [(window: Int, rate: Int)]
        var seconds: Double
        /// Kill -9 this node this long after every node started.
        var kill: (node: Int, after: Double)?
    }

    struct Outcome {
        var peers: [Peer]
        /// CPU of each node process, µs.
        var cpu: [Int64]
        /// CPU of each bench client (`--via headless`), µs.
        var clientCPU: [Int64]
        var wall: Double
    }

    /// One node of a run: the node process, and with `--via headless` the
    /// client process that drives it; `output` is where the `ready`/`started`
    /// and `bench` lines land.
    struct PeerProcesses {
        var node: ChildProcess
        var client: ChildProcess?
        var output: String
        var started: Bool {
            let text = BenchFiles.read(output) ?? ""
            return text.contains("\"event\":\"started\"") || text.contains("\"event\":\"ready\"")
        }
        var report: EventLine? { EventLine.first("bench", in: BenchFiles.read(output) ?? "") }
    }

    /// Starts node `i` of `spec` (and its client, `--via headless`).
    func start(node i: Int, of spec: Spec, group: String, dir: String) throws(BenchError) -> PeerProcesses {
        let (prefix, iface) = network.placement(i)
        var common = ["--group", group, "--interface", iface, "--state-dir", "\(dir)/n\(i)", "--nick", "bench\(i + 1)"]
        if let h = settings.tokenHold { common += ["--token-hold", String(h)] }
        if let b = settings.batch { common += ["--batch", String(b)] }
        let load = ["--members", String(spec.nodes), "--seconds", String(spec.seconds),
                    "--window", String(spec.load[i].window), "--rate", String(spec.load[i].rate)]
        switch settings.via {
        case .inproc:
            let node = try ChildProcess("n\(i)", argv: prefix + [settings.executable, "bench-peer"] + common + load,
                                        stdout: .file("\(dir)/n\(i).out"), stderr: "\(dir)/n\(i).err")
            return PeerProcesses(node: node, client: nil, output: "\(dir)/n\(i).out")
        case .headless:
            // node stdout -> client stdin; client stdout -> node stdin.
            var toNode: [Int32] = [-1, -1], toClient: [Int32] = [-1, -1]
            guard pipe(&toNode) == 0, pipe(&toClient) == 0 else { throw BenchError("pipe: \(errnoText(errno))") }
            for fd in toNode + toClient { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            defer { for fd in toNode + toClient { Glibc.close(fd) } }
            let node = try ChildProcess("n\(i)", argv: prefix + [settings.executable, "chat", "--headless", "--events", "delivered,status,ring"] + common,
                                        stdinFrom: toNode[0], stdout: .fd(toClient[1]), stderr: "\(dir)/n\(i).err")
            let client = try ChildProcess("c\(i)", argv: [settings.executable, "bench-client", "--report", "\(dir)/c\(i).out"] + load,
                                          stdinFrom: toClient[0], stdout: .fd(toNode[1]), stderr: "\(dir)/c\(i).err")
            return PeerProcesses(node: node, client: client, output: "\(dir)/c\(i).out")
        }
    }

    // MARK: scenarios

    public func tput() throws(BenchError) {
        let n = settings.nodes
        let load = (0..<n).map { $0 < settings.senders ? (settings.window, 0) : (0, 0) }
        let o = try run(Spec(nodes: n, load: load, seconds: settings.seconds))
        print("tput nodes=\(n) senders=\(min(n, settings.senders)) W=\(settings.window) \(summary(o))")
    }

    public func lat() throws(BenchError) {
        let n = settings.nodes
        let load = (0..<n).map { $0 == 1 % n ? (1, 0) : (0, 0) }
        let o = try run(Spec(nodes: n, load: load, seconds: min(settings.seconds, 5)))
        print("lat nodes=\(n) senders=1 W=1 \(summary(o))")
    }

    public func crash() throws(BenchError) {
        var stalls: [Int] = []
        var allSame = true
        for r in 1...max(1, settings.crashRuns) {
            let load = [(Int, Int)](repeating: (64, 1_000), count: 3)
            // A run that breaks either promise keeps its directory (the
            // nodes' state dirs and event logs) for whoever investigates.
            let o = try run(Spec(nodes: 3, load: load, seconds: 10, kill: (2, 4))) { o in
                !self.sameOrder(o.peers) || (o.peers.map { $0.int("max_gap_ms") }.max() ?? -1) >= 500
            }
            let survivors = o.peers
            let stall = survivors.map { $0.int("max_gap_ms") }.max() ?? -1
            let same = sameOrder(survivors)
            allSame = allSame && same
            stalls.append(stall)
            // How the survivors found out: the token lost (the victim held
            // it: `tokenLossTimeout`) or the successor silent (a pass to it
            // went unanswered: the pass retries), counted by either.
            let lost = survivors.map { $0.int("lost") }.max() ?? 0
            let silent = survivors.map { $0.int("silent") }.max() ?? 0
            print("crash run=\(r) nodes=3 senders=3 rate=1000 W=64 killed=node3 stall_ms=\(stall) same_order=\(same ? "yes" : "NO") survivors=\(survivors.count) ring_changes=\(survivors.map { $0.int("ring_changes") }.max() ?? 0) token_lost=\(lost) successor_silent=\(silent)")
        }
        let sorted = stalls.sorted()
        print("crash runs=\(stalls.count) stall_ms_med=\(sorted[sorted.count / 2]) stall_ms_max=\(sorted.last ?? -1) under_500ms=\(stalls.filter { $0 >= 0 && $0 < 500 }.count)/\(stalls.count) same_order=\(allSame ? "yes" : "NO")")
    }

    public func idle() throws(BenchError) {
        let secs = settings.idleSeconds
        let o = try run(Spec(nodes: 4, load: Array(repeating: (0, 0), count: 4), seconds: secs))
        let pct = o.cpu.map { Double($0) / (secs * 1e6) * 100 }
        let changes = o.peers.map { $0.int("ring_changes") }.max() ?? -1
        print("idle nodes=4 secs=\(Int(secs)) cpu_pct_per_node=\(fmt(pct.reduce(0, +) / Double(max(1, pct.count)))) cpu_pct_max=\(fmt(pct.max() ?? 0)) ring_changes=\(changes)")
    }

    public func scale() throws(BenchError) {
        for n in settings.scaleSizes {
            let load = (0..<n).map { $0 < 3 ? (settings.window, 0) : (0, 0) }
            let t = try run(Spec(nodes: n, load: load, seconds: settings.scaleSeconds))
            print("scale tput nodes=\(n) senders=\(min(n, 3)) W=\(settings.window) \(summary(t))")
            let l = try run(Spec(nodes: n, load: (0..<n).map { $0 == 1 % n ? (1, 0) : (0, 0) }, seconds: min(settings.scaleSeconds, 5)))
            print("scale lat nodes=\(n) senders=1 W=1 \(summary(l))")
        }
    }

    // MARK: one cluster

    func summary(_ o: Outcome) -> String {
        let first = o.peers.first
        let data = first?.int("data") ?? 0
        let lats = o.peers.filter { $0.int("lat_n") > 0 }
        let med = median(lats.map { $0.int("lat_med_us") })
        let p99 = median(lats.map { $0.int("lat_p99_us") })
        let cpu = o.cpu.reduce(0, +)
        let perMsg = data > 0 ? Double(cpu) / Double(o.cpu.count) / Double(data) : 0
        let clientPerMsg = data > 0 ? Double(o.clientCPU.reduce(0, +)) / Double(max(1, o.clientCPU.count)) / Double(data) : 0
        return "agreed_msgs_per_s=\(first?.int("agreed_msgs_per_s") ?? 0) lat_med_us=\(med) lat_p99_us=\(p99) same_order=\(sameOrder(o.peers) ? "yes" : "NO") stall_ms=\(o.peers.map { $0.int("max_gap_ms") }.max() ?? 0) cpu_us_per_msg=\(fmt(perMsg))\(settings.via == .headless ? " client_cpu_us_per_msg=\(fmt(clientPerMsg))" : "") delivered=\(data) ring_changes=\(o.peers.map { $0.int("ring_changes") }.max() ?? 0)"
    }

    func sameOrder(_ peers: [Peer]) -> Bool {
        guard let f = peers.first else { return false }
        return peers.allSatisfy { $0.hash == f.hash && $0.int("delivered") == f.int("delivered") }
    }

    /// Runs one cluster; its directory is removed afterwards unless `keep`
    /// says the outcome is worth a look (its path is then printed).
    func run(_ spec: Spec, keep: (Outcome) -> Bool = { _ in false }) throws(BenchError) -> Outcome {
        try network.prepare(count: spec.nodes)
        let dir = try BenchFiles.tempDir()
        var kept = false
        defer { if kept { print("kept \(dir)") } else { BenchFiles.removeTree(dir) } }
        let group = "239.\(Int.random(in: 100...199)).\(Int.random(in: 0...255)).\(Int.random(in: 1...254)):\(Int.random(in: 20_000...60_000))"
        var procs: [PeerProcesses] = []
        defer { for p in procs { p.node.kill(); p.client?.kill() } }
        for i in 0..<spec.nodes {
            procs.append(try start(node: i, of: spec, group: group, dir: dir))
        }
        let t0 = BenchClock.seconds()
        // Every node up (its `started` line) before the clock of a kill runs.
        try BenchClock.wait("nodes to start", timeout: 30) { procs.allSatisfy { $0.started } }
        let startedAt = BenchClock.seconds()
        var killed: Int?
        var cpuAtStart: [Int64] = []
        if spec.load.allSatisfy({ $0.window == 0 }) {
            // Idle: let the ring form, then measure over the run's length.
            usleep(1_000_000)
            cpuAtStart = procs.map { $0.node.cpuMicros() ?? 0 }
        }
        let idleStart = BenchClock.seconds()
        let limit = spec.seconds + 60
        try BenchClock.wait("every peer's report", timeout: limit) {
            if let k = spec.kill, killed == nil, BenchClock.seconds() - startedAt >= k.after {
                procs[k.node].node.signal(SIGKILL)
                procs[k.node].node.reap(timeout: 5)
                killed = k.node
            }
            return procs.indices.allSatisfy { $0 == killed || procs[$0].report != nil }
        }
        let wall = BenchClock.seconds() - t0
        var cpu = procs.indices.filter { $0 != killed }.map { procs[$0].node.cpuMicros() ?? 0 }
        let clientCPU = procs.indices.filter { $0 != killed }.map { procs[$0].client?.cpuMicros() ?? 0 }
        if !cpuAtStart.isEmpty {
            let span = BenchClock.seconds() - idleStart
            cpu = zip(cpu, cpuAtStart).map { Int64(Double($0 - $1) * spec.seconds / max(0.001, span)) }
        }
        let peers = procs.indices.filter { $0 != killed }.compactMap { procs[$0].report.map(Peer.init) }
        for p in procs { p.node.signal(SIGTERM) }
        for p in procs { p.node.reap(timeout: 10); p.client?.reap(timeout: 5) }
        let outcome = Outcome(peers: peers, cpu: cpu, clientCPU: clientCPU, wall: wall)
        kept = keep(outcome)
        return outcome
    }

    func median(_ xs: [Int]) -> Int {
        guard !xs.isEmpty else { return 0 }
        return xs.sorted()[xs.count / 2]
    }

    func fmt(_ x: Double) -> String {
        let r = (x * 100).rounded() / 100
        return "\(r)"
    }
}
