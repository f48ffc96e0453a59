import Testing
import Synchronization
import RingChatCore
@testable import RingChatSimulator

/// The simulator with a hostile node multicasting extreme-value packets
/// among honest ones: no trap, no spin, every invariant holds, and the
/// honest nodes converge once it falls silent. (2,000 seeds by hand:
/// README, "ringchat simulate --hostile".)
@Suite("Simulation with a hostile node")
struct HostileSimulationTests {
    static func config(seed: UInt64, hostile: Bool) -> SimulationConfig {
        var c = SimulationConfig()
        c.seed = seed
        c.nodes = 4
        c.duration = .seconds(6)
        c.settleLimit = .seconds(20)
        c.typingRate = 2
        c.loss = 0.05
        c.duplication = 0.05
        c.maxDelay = .milliseconds(50)
        c.crashes = true
        c.partitions = true
        c.meanTimeBetweenCrashes = .seconds(2)
        c.meanTimeBetweenPartitions = .seconds(3)
        c.hostile = hostile
        return c
    }

    static func run(seeds: ClosedRange<UInt64>, hostile: Bool) -> [Simulation.Result]? {
        let out = Mutex<[Simulation.Result]>([])
        // 60 s for what takes a few: only a spin inside a node trips it.
        let ok = finishes(within: 60) {
            let rs = seeds.map { Simulation(config: config(seed: $0, hostile: hostile)).run() }
            out.withLock { $0 = rs }
        }
        return ok ? out.withLock { $0 } : nil
    }

    @Test("with crashes and partitions, the honest nodes drop its packets and every invariant holds")
    func invariantsHold() throws {
        let results = try #require(Self.run(seeds: 1...12, hostile: true), "a run did not finish: a spin")
        for r in results {
            #expect(r.violations.isEmpty, "seed \(r.seed): \(r.violations)")
            #expect(r.convergence != nil, "seed \(r.seed) never converged")
            #expect(r.hostilePackets > 100)
            #expect(r.implausibleDrops > r.hostilePackets / 2, "seed \(r.seed): \(r.implausibleDrops) drops of \(r.hostilePackets)")
            #expect(r.messages > 0)
        }
    }

    @Test("without it, no honest packet is ever judged implausible")
    func honestRunsDropNothing() throws {
        let results = try #require(Self.run(seeds: 1...12, hostile: false), "a run did not finish: a spin")
        for r in results {
            #expect(r.violations.isEmpty, "seed \(r.seed): \(r.violations)")
            #expect(r.hostilePackets == 0)
            #expect(r.implausibleDrops == 0, "seed \(r.seed): honest packets refused")
        }
    }

    @Test("a hostile run is as deterministic as any other")
    func deterministic() {
        let a = Simulation(config: Self.config(seed: 5, hostile: true)).run()
        let b = Simulation(config: Self.config(seed: 5, hostile: true)).run()
        #expect(a.traceHash == b.traceHash)
        #expect(a.implausibleDrops == b.implausibleDrops)
    }
}
