import Testing
import RingChatCore
@testable import RingChatSimulator

/// The simulator with a tiny message cache: nodes answer catch-up requests
/// from their "disk" (the store), restart from checkpoint snapshots, and
/// every invariant must still hold.
@Suite("Simulation with a bounded message cache")
struct BoundedCacheSimulationTests {
    @Test("crashes, partitions and loss with 8 cached messages per node: no violations, converged",
          arguments: [UInt64(11), 12, 13])
    func tinyCache(seed: UInt64) {
        var c = SimulationConfig()
        c.seed = seed
        c.nodes = 4
        c.duration = .seconds(8)
        c.settleLimit = .seconds(30)
        c.typingRate = 4
        c.loss = 0.05
        c.crashes = true
        c.partitions = true
        c.meanTimeBetweenCrashes = .seconds(2)
        c.node.recentMessages = 8
        c.node.checkpointEvery = .milliseconds(500)
        let r = Simulation(config: c).run()
        #expect(r.violations.isEmpty, "seed \(r.seed): \(r.violations)")
        #expect(r.convergence != nil, "seed \(r.seed) did not converge")
        #expect(r.messages > 50)
    }
}
