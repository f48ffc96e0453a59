import Benchmark

/// The hot paths of a node under load, each through the code the node
/// runs (public API only). Per-iteration figures; where an iteration is
/// a batch (1,024 messages) its name says so.
let benchmarks: @Sendable () -> Void = {
    // Short runs: the machine is shared, and the spread of these figures
    // is far below that of the end-to-end `ringchat bench`.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        warmupIterations: 3,
        maxDuration: .seconds(2),
        maxIterations: 100_000
    )
    codecBenchmarks()
    holdBackBenchmarks()
    replicaBenchmarks()
    checkpointBenchmarks()
}
