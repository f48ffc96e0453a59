import ArgumentParser
import RingChatCore
import RingChatSimulator

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the protocol under the deterministic simulator and check its invariants.",
        discussion: """
        Each run simulates --nodes nodes on one virtual clock with a seeded faulty \
        network, users typing, and (on request) crashes and partitions. By default the \
        users join and part --rooms rooms and type into the lobby, their rooms, and \
        (--private-rate) privately to other nodes, also to nodes that are down; \
        --rooms 0 --private-rate 0 types every line into the lobby, as before rooms. \
        When the faults stop, the run waits for the replicas to converge, then checks \
        agreement, order, mutual exclusion, no loss, liveness and durability, and on \
        the nodes' screens: each room's lines in the agreed order (room-order), private \
        lines shown and readable only at their two ends (privacy), and read by both ends, \
        a recipient that was down too (private-delivery). The same seed always gives \
        the same trace hash. Exits 1 if any invariant was violated.
        """
    )

    @Option(help: "Number of runs, with seeds 1...N (ignored with --seed).")
    var seeds: Int = 100

    @Option(help: "Run only this seed.")
    var seed: UInt64?

    @Option(help: "Nodes per run.")
    var nodes: Int = 5

    @Option(help: "Probability that a datagram is lost, per receiver.")
    var loss: Double = 0

    @Option(help: "Probability that a datagram is duplicated, per receiver.")
    var dup: Double = 0

    @Option(name: .customLong("max-delay"), help: "Largest network delay in milliseconds (uniform from 0.1 ms).")
    var maxDelay: Double = 1

    @Flag(help: "Crash random nodes (they restart from their last checkpoint and replica).")
    var crashes = false

    @Flag(help: "Partition the network at random times (it heals).")
    var partitions = false

    @Flag(name: .customLong("no-late"), help: "Also check that no line is shown late in a run without partitions (the no-late-delivery invariant; late lines after a restart, or of a line that was on no live disk, are allowed).")
    var noLate = false

    @Flag(help: "Pause random nodes (as SIGSTOP, then SIGCONT): a paused node handles nothing; on waking it handles the datagrams that waited (up to 2,000, the rest lost as from a full socket buffer), then its timers.")
    var pauses = false

    @Option(name: .customLong("pause-ms"), help: "Longest pause in milliseconds (each lasts from a third of it up to it).")
    var pauseMillis: Int = 3_000

    @Flag(help: "Add a hostile node: while the faults last it multicasts well-formed packets with extreme numbers (epochs, hops, seqs of 2^64-1, 2^63, 0, far ahead); the honest nodes must drop them and converge once it stops.")
    var hostile = false

    @Option(help: "Virtual seconds of faults and typing per run.")
    var duration: Double = 20

    @Option(name: .customLong("typing-rate"), help: "Lines typed per second per node.")
    var typingRate: Double = 0.5

    @Option(name: .customLong("processing-us"), help: "CPU time each node spends per packet and timer, in microseconds (a loaded node handles its input late).")
    var processingMicros: Double = 0

    @Option(help: "Messages each node keeps in memory (its cache; older ones are read from its replica). A small cache makes every run evict, which the default (2048) does only in runs of more than 2,048 messages.")
    var cache: Int = MessageLog.defaultCapacity

    @Option(name: .customLong("crash-target"), help: "Which node a crash kills: random, holder (the token's holder), sender (a node with lines queued) or passer (a node whose pass is on its way) or passee (the node that pass is addressed to: two survivors detect the loss at once).")
    var crashTarget: String = "random"

    @Option(help: "Rooms (#r0, #r1, ...) the nodes join and part while they type; each line goes to the lobby or one of the typist's rooms. 0: every line in the lobby (with --private-rate 0, the workload before rooms).")
    var rooms: Int = SimulationConfig().rooms

    @Option(name: .customLong("private-rate"), help: "Fraction of typed lines sent as private messages to another node whose key the typist has seen (half of the time to one that is down, when one is).")
    var privateRate: Double = SimulationConfig().privateRate

    @Flag(help: "Print every event of the run (use with --seed).")
    var trace = false

    func validate() throws {
        guard (1...64).contains(nodes) else { throw ValidationError("--nodes must be 1...64") }
        guard (0...1).contains(loss), (0...1).contains(dup) else { throw ValidationError("--loss and --dup are probabilities in 0...1") }
        guard loss < 0.9 else { throw ValidationError("--loss must be below 0.9: nothing converges in a network that drops almost everything") }
        guard maxDelay >= 0.1, maxDelay <= 10_000 else { throw ValidationError("--max-delay must be 0.1...10000 ms") }
        guard duration > 0, duration <= 3_600 else { throw ValidationError("--duration must be 0...3600 s") }
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard processingMicros >= 0, processingMicros <= 100_000 else { throw ValidationError("--processing-us must be 0...100000") }
        guard (1...1_000_000).contains(cache) else { throw ValidationError("--cache must be 1...1000000 messages") }
        guard SimulationConfig.CrashTarget(rawValue: crashTarget) != nil else { throw ValidationError("--crash-target must be random, holder, sender, passer or passee") }
        guard (3...600_000).contains(pauseMillis) else { throw ValidationError("--pause-ms must be 3...600000") }
        guard (0...RoomName.maxAnnounced).contains(rooms) else { throw ValidationError("--rooms must be 0...\(RoomName.maxAnnounced)") }
        guard (0...1).contains(privateRate) else { throw ValidationError("--private-rate is a fraction in 0...1") }
    }

    func run() throws {
        var c = SimulationConfig()
        c.nodes = nodes
        c.loss = loss
        c.duplication = dup
        c.maxDelay = .microseconds(Int64(maxDelay * 1000))
        c.crashes = crashes
        c.partitions = partitions
        c.duration = .milliseconds(Int64(duration * 1000))
        c.typingRate = typingRate
        c.hostile = hostile
        c.pauses = pauses
        c.checkLateDeliveries = noLate
        c.pauseLength = Int64(pauseMillis / 3)...Int64(pauseMillis)
        c.trace = trace
        c.processingCost = .microseconds(Int64(processingMicros))
        c.node.recentMessages = cache
        c.crashTarget = SimulationConfig.CrashTarget(rawValue: crashTarget) ?? .random
        c.rooms = rooms
        c.privateRate = privateRate
        let list: [UInt64] = seed.map { [$0] } ?? (1...UInt64(seeds)).map { $0 }
        let batch = SimulationBatch.run(seeds: list, base: c)

        if trace {
            for r in batch.results { for line in r.trace { print(line) } }
        }
        for r in batch.results where list.count <= 20 || !r.violations.isEmpty {
            let conv = r.convergence.map { String(format2($0.milliseconds / 1000)) + " s" } ?? "never"
            print("seed \(r.seed): trace \(r.traceHash)  messages \(r.messages)  packets \(r.packets)  backfills \(r.backfills)  converged after \(conv)  violations \(r.violations.count)")
        }
        print("\(batch.results.count) runs, \(nodes) nodes, loss \(loss), dup \(dup), delay ≤ \(maxDelay) ms, crashes \(crashes ? "on" : "off"), partitions \(partitions ? "on" : "off"), pauses \(pauses ? "≤ \(pauseMillis) ms" : "off"), hostile \(hostile ? "on" : "off"), rooms \(rooms), private rate \(privateRate), \(duration) s each")
        for inv in Invariant.allCases {
            let held = batch.held(inv)
            print("  \(inv.rawValue.padding(18)) held in \(held)/\(batch.results.count) runs")
        }
        if let slow = batch.slowestConvergence {
            print("  slowest convergence after the last fault: \(format2(slow.time.milliseconds / 1000)) s (seed \(slow.seed))")
        }
        if let stall = batch.results.compactMap({ r in r.longestCrashStall.map { (r.seed, $0) } }).max(by: { $0.1 < $1.1 }) {
            print("  longest delivery stall across a crash: \(format2(stall.1.milliseconds / 1000)) s (seed \(stall.0))")
        }
        let delivered = batch.results.reduce(0) { $0 + $1.messages }
        if rooms > 0 || privateRate > 0 {
            func sum(_ k: KeyPath<Simulation.Result, Int>) -> Int { batch.results.reduce(0) { $0 + $1[keyPath: k] } }
            print("  of the lines typed: \(sum(\.roomLines)) in a room, \(sum(\.privateLines)) private (\(sum(\.privateToAway)) to a node that was down, \(sum(\.privateToAwayRead)) of them read by it at the end); \(sum(\.roomChanges)) joins and parts; identity keys seen to change: \(sum(\.keyChanges))")
        }
        print("  late deliveries shown in place (backfills): \(batch.backfills) for \(delivered) messages typed")
        print("  datagrams fed in one turn with others that arrived at the same instant: \(batch.results.reduce(0) { $0 + $1.burstPackets })")
        // Without --hostile this must be 0: no honest packet is ever refused.
        print("  packets dropped as implausible by the nodes: \(batch.implausibleDrops)"
              + (hostile ? " (copies of the \(batch.hostilePackets) hostile packets sent)" : ""))
        let bad = batch.results.filter { !$0.violations.isEmpty }
        for r in bad.prefix(10) {
            print("VIOLATIONS in seed \(r.seed) (rerun: ringchat simulate --seed \(r.seed) --nodes \(nodes)\(crashes ? " --crashes" : "")\(partitions ? " --partitions" : "")\(pauses ? " --pauses --pause-ms \(pauseMillis)" : "")\(noLate ? " --no-late" : "")\(hostile ? " --hostile" : "") --rooms \(rooms) --private-rate \(privateRate) --loss \(loss) --dup \(dup) --max-delay \(maxDelay) --duration \(duration) --typing-rate \(typingRate) --processing-us \(processingMicros) --cache \(cache) --crash-target \(crashTarget) --trace):")
            for v in r.violations { print("  \(v)") }
            var c2 = c
            c2.seed = r.seed
            c2.trace = true
            let again = Simulation(config: c2).run()
            let cut = again.violations.compactMap(\.at).min()
            let lines = again.trace.filter { line in
                guard let cut, let ms = Int64(line.prefix { $0 != " " }) else { return true }
                return ms <= cut.milliseconds
            }
            print("  last events before the first violation:")
            for line in lines.suffix(15) { print("    \(line)") }
        }
        print("\(batch.violations) violations")
        if batch.violations > 0 { throw ExitCode(1) }
    }
}

func format2(_ x: Double) -> String {
    let r = (x * 100).rounded() / 100
    return "\(r)"
}

extension String {
    func padding(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
