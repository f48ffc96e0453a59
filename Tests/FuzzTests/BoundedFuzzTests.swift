import Testing
import RingChatCore
import RingChatFuzz
import RingChatIO
import RingChatStorage

/// The fuzz targets on a fixed budget, every CI run: the seed corpus, then
/// deterministic mutations of it (seeded: a failure names its seed and
/// replays). The open-ended search is the libFuzzer build (docs/SECURITY.md).
@Suite struct BoundedFuzzTests {
    @Test(arguments: [(FuzzTarget.wire, 300_000), (.checkpoint, 20_000), (.replica, 5_000)])
    func mutatedInputsNeverTrap(target: FuzzTarget, budget: Int) {
        let seeds = SeedCorpus.seeds(for: target)
        #expect(!seeds.isEmpty)
        for s in seeds { target.run(s) }
        var m = Mutator(seed: 0x5EED_0000 + UInt64(budget))
        var pool = seeds
        for i in 0..<budget {
            let input = m.mutate(pool[i % pool.count], other: pool[(i * 7 + 3) % pool.count])
            target.run(input)
            // Keep some mutants as parents: mutations stack up, as in a fuzzer's corpus.
            if i % 97 == 0, pool.count < 512 { pool.append(input) }
        }
    }

    /// A corpus of garbage would fuzz nothing but the first byte.
    @Test func theSeedsAreValidInputs() throws {
        for s in SeedCorpus.seeds(for: .checkpoint) { _ = try CheckpointStore.decode(s) }
        let wire = SeedCorpus.seeds(for: .wire)
        #expect(wire.filter { (try? WireCodec.decode($0)) != nil }.count >= 10)
        let replica = SeedCorpus.seeds(for: .replica)[0]
        #expect(replica.filter { $0 == UInt8(ascii: "\n") }.count == 4)
    }
}
