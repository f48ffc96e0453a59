import Dispatch
import RingChatCore
import Synchronization

/// Many seeds, run two at a time (one per core), summarised per invariant.
public struct SimulationBatch: Sendable {
    public var results: [Simulation.Result]

    public static func run(seeds: [UInt64], base: SimulationConfig, parallelism: Int = 2) -> SimulationBatch {
        let box = ResultBox(count: seeds.count)
        let workers = max(1, parallelism)
        // Each worker takes the next seed not taken yet: on a machine busy
        // with other work, a worker that gets less CPU runs fewer seeds
        // instead of leaving the other idle at the end.
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard i < seeds.count else { break }
                var c = base
                c.seed = seeds[i]
                box.set(i, Simulation(config: c).run())
            }
        }
        return SimulationBatch(results: box.all())
    }

    /// Per invariant: how many runs held it.
    public func held(_ inv: Invariant) -> Int {
        results.filter { r in !r.violations.contains { $0.invariant == inv } }.count
    }

    public var violations: Int { results.reduce(0) { $0 + $1.violations.count } }

    public var backfills: Int { results.reduce(0) { $0 + $1.backfills } }

    public var hostilePackets: Int { results.reduce(0) { $0 + $1.hostilePackets } }

    public var implausibleDrops: Int { results.reduce(0) { $0 + $1.implausibleDrops } }

    public var slowestConvergence: (seed: UInt64, time: Duration)? {
        results.compactMap { r in r.convergence.map { (r.seed, $0) } }.max { $0.1 < $1.1 }
    }
}

/// Results written by index from the worker threads.
final class ResultBox: Sendable {
    private let slots: Mutex<[Simulation.Result?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ i: Int, _ r: Simulation.Result) { slots.withLock { $0[i] = r } }
    func all() -> [Simulation.Result] { slots.withLock { $0.compactMap { $0 } } }
}
