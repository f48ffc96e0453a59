import Benchmark
import RingChatCore
import RingChatRuntime

/// The replica's append path: formatting a line, and the disk writer
/// thread writing lines, indexing them in SQLite and making them durable.
func replicaBenchmarks() {
    let m = Fixtures.message(123_456)
    Benchmark("replica line format (\(ReplicaFile.line(for: m).count) B)",
              configuration: .init(scalingFactor: .kilo)) { benchmark in
        for _ in benchmark.scaledIterations { blackHole(ReplicaFile.line(for: m)) }
    }

    // As a receiving node queues them: one append per data packet.
    let count = 1_024
    let batches = Fixtures.batches(count).map(\.messages)
    Benchmark("replica append \(count) msgs (\(batches.count) appends) + SQLite index + 1 fsync") { benchmark in
        let folder = try TempFolder()
        defer { folder.remove() }
        let writer = try DiskWriter(directory: StateDirectory(path: folder.path))
        benchmark.startMeasurement()
        for b in batches { writer.appendReplica(b) }
        // Written and fsynced. The writer indexes each batch of work after
        // it, so a second flush returns once the last rows are committed.
        writer.flush()
        writer.flush()
        benchmark.stopMeasurement()
        writer.close()
        let s = writer.stats
        if s.appended != count || s.errors != 0 { benchmark.error("appended \(s.appended) of \(count): \(s.lastError ?? "")") }
    }
}
