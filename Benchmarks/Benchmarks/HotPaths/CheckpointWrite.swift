import Benchmark
import RingChatCore
import RingChatStorage

/// A checkpoint of a node with a long history: 100,000 messages from 3
/// senders (each restarted once: 6 streams) over 10 rings, with a hole
/// skipped every 5,000 seqs, 64 lines waiting in the outbox. Its size is
/// that of the log's snapshot (ranges, not messages) plus the outbox.
enum CheckpointFixture {
    static let checkpoint: Checkpoint = {
        var log = MessageLog()
        let origins = [NodeID(0x1111), NodeID(0x2222), NodeID(0x3333)]
        var counters: [StreamID: UInt32] = [:]
        var last: Slot?
        for r in 0..<10 {
            let ring = RingID(epoch: UInt64(10 + r), creator: origins[r % 3], incarnation: 1)
            for seq in 1...UInt64(10_000) where seq % 5_000 != 0 {
                let origin = origins[Int(seq) % 3]
                let stream = StreamID(origin: origin, incarnation: r < 5 ? 1 : 2)
                let counter = counters[stream, default: 0] + 1
                counters[stream] = counter
                let m = ChatMessage(id: MessageID(origin: origin, incarnation: stream.incarnation, counter: counter),
                                    nick: "user", text: Fixtures.text, slot: Slot(ring: ring, seq: seq),
                                    timestamp: 1_764_460_800_000 + Int64(seq))
                _ = log.insert(m, delivered: true)
                last = m.slot
            }
        }
        let outbox = (1...64).map {
            OutboxEntry(id: MessageID(origin: origins[0], incarnation: 2, counter: 40_000 + UInt32($0)), nick: "user",
                        text: Fixtures.text, kind: .text, timestamp: 1_764_460_900_000)
        }
        return Checkpoint(number: 42, node: origins[0], incarnation: 2, takenAt: 1_764_460_900_000, nick: "user",
                          replicaCount: log.count, lastDelivered: last, outbox: outbox, ring: last?.ring,
                          members: origins, highestEpoch: 19, draft: "half a line", replicaBytes: log.count * 190,
                          replicaTail: "0123456789abcdef", log: log.snapshot)
    }()
}

func checkpointBenchmarks() {
    let cp = CheckpointFixture.checkpoint
    let size = (try? CheckpointStore.encode(cp).count) ?? 0
    Benchmark("checkpoint encode (\(cp.replicaCount) msgs in the log, \(size) B)") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(try CheckpointStore.encode(cp)) }
    }
    Benchmark("checkpoint write (\(size) B: temp file, 2 fsyncs, 2 renames)") { benchmark in
        let folder = try TempFolder()
        defer { folder.remove() }
        let store = CheckpointStore(directory: folder.path)
        // The second write is the steady state: it rotates the first.
        try store.write(cp)
        benchmark.startMeasurement()
        try store.write(cp)
        benchmark.stopMeasurement()
    }
}
