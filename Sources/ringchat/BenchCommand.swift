#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import RingChatIO
import RingChatStorage
import RingChatSession
import RingChatBench

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure throughput, latency, crash recovery and idle cost with real ringchat processes.",
        discussion: """
        Starts its own nodes (real sockets, replicas and checkpoints in a temporary \
        directory), each driven by a separate client process through the headless \
        interface (--via headless, the default) or making its own load (--via inproc), on loopback, or with --netns one network \
        namespace per node on a bridge (needs root; made and deleted by the benchmark). \
        Prints one line per scenario in the vocabulary of the corosync anchors: \
        agreed_msgs_per_s, lat_med_us, lat_p99_us, same_order (FNV-1a of each node's \
        delivery sequence), stall_ms, cpu_us_per_msg (CPU of all nodes / nodes / messages; \
        with --via headless also client_cpu_us_per_msg, the clients'). \
        Without a scenario flag: --tput --lat.
        """
    )

    @Flag(help: "K senders flat out, W messages in flight each.") var tput = false
    @Flag(help: "One sender, one message in flight: send to own delivery.") var lat = false
    @Flag(help: "3 senders paced at 1000 msgs/s, kill -9 of node 3 after 4 s; repeated --crash-runs times.") var crash = false
    @Flag(help: "CPU per node of an idle ring of 4, and its ring changes.") var idle = false
    @Flag(help: "tput and lat for rings of --scale-sizes nodes (loopback).") var scale = false
    @Flag(name: .customLong("tui-flood"), help: "The chat screen (in tmux) under --flood-rate lines/s for --seconds: key echo latency, lines per frame, when the pane is current.")
    var tuiFlood = false
    @Option(name: .customLong("flood-rate"), help: "Lines per second for --tui-flood.") var floodRate = 5000

    @Flag(help: "One network namespace per node on a bridge (root).") var netns = false
    @Option(help: ArgumentHelp("How the load reaches each node: headless (a separate client process writes lines to a `chat --headless` node's stdin and reads its JSON events, as a program would) or inproc (made inside the node: the protocol alone).",
                               valueName: "via"))
    var via: BenchHarness.Via = .headless
    @Option(help: "Nodes for tput and lat.") var nodes = 3
    @Option(help: "Senders for tput (K).") var senders = 3
    @Option(help: "Messages in flight per sender for tput (W).") var window = 64
    @Option(help: "Seconds of load per tput/lat run.") var seconds = 10.0
    @Option(name: .customLong("crash-runs"), help: "Repetitions of the crash scenario.") var crashRuns = 5
    @Option(name: .customLong("idle-seconds"), help: "Length of the idle run.") var idleSeconds = 30.0
    @Option(name: .customLong("scale-sizes"), help: "Ring sizes for --scale, comma-separated.") var scaleSizes = "3,8,16,32"
    @Option(name: .customLong("scale-seconds"), help: "Seconds of load per --scale run.") var scaleSeconds = 5.0
    @Option(name: .customLong("token-hold"), help: "Token hold of the nodes in ms (protocol default 100).") var tokenHold: Int?
    @Option(help: "Chat lines per token visit (protocol default 64).") var batch: Int?

    func validate() throws {
        guard (1...64).contains(nodes), (1...64).contains(senders), (1...10_000).contains(window) else {
            throw ValidationError("--nodes and --senders must be 1-64, --window 1-10000")
        }
        guard seconds > 0, seconds <= 600, idleSeconds > 0, idleSeconds <= 3_600, scaleSeconds > 0 else {
            throw ValidationError("durations must be positive (--seconds at most 600)")
        }
        guard crashRuns >= 1 else { throw ValidationError("--crash-runs must be at least 1") }
        guard parsedSizes.allSatisfy({ (2...64).contains($0) }), !parsedSizes.isEmpty else {
            throw ValidationError("--scale-sizes: ring sizes 2-64, comma-separated")
        }
    }

    var parsedSizes: [Int] { scaleSizes.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: " ")) } }

    func run() throws {
        var s = BenchHarness.Settings(executable: Self.selfPath())
        s.netns = netns
        s.nodes = nodes
        s.senders = senders
        s.window = window
        s.seconds = seconds
        s.crashRuns = crashRuns
        s.idleSeconds = idleSeconds
        s.scaleSizes = parsedSizes
        s.scaleSeconds = scaleSeconds
        s.tokenHold = tokenHold
        s.batch = batch
        s.via = via
        let h = BenchHarness(settings: s) { line in Console.out(line + "\n") }
        defer { h.close() }
        let any = tput || lat || crash || idle || scale || tuiFlood
        do {
            if tput || !any { try h.tput() }
            if lat || !any { try h.lat() }
            if crash { try h.crash() }
            if idle { try h.idle() }
            if scale { try h.scale() }
            if tuiFlood { try h.tuiFlood(rate: floodRate) }
        } catch {
            throw ValidationError("bench: \(error)")
        }
    }

    static func selfPath() -> String {
        var buf = [UInt8](repeating: 0, count: 4096)
        let n = buf.withUnsafeMutableBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { readlink("/proc/self/exe", $0.baseAddress!, $0.count - 1) }
        }
        return n > 0 ? String(decoding: buf[..<n], as: UTF8.self) : CommandLine.arguments[0]
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> Substring {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return s
    }
}

extension BenchHarness.Via: ExpressibleByArgument {}
