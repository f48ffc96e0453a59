import Benchmark
import RingChatCore
import RingChatStorage

/// The replica's append path: formatting a line, and the disk writer
/// thread writing lines, indexing them in SQLite and making them durable.
func replicaBenchmarks() {
    // Into one reused batch buffer, as the disk writer formats a batch:
    // the bench's 100-byte line (its strings copied whole into the line's
    // stack piece), a room's line, a line whose text needs escaping (the
    // byte-by-byte path), and a 1,000-byte text (too long for the piece:
    // straight to the buffer).
    let m = Fixtures.message(123_456)
    var room = m
    room.room = "#ops"
    var escaped = m
    escaped.text = "say \"hi\"\tto C:\\temp\n" + String(repeating: "x", count: 78)
    var long = m
    long.text = String(repeating: "x", count: WireLimits.maxTextBytes)
    for (what, line) in [("", m), (", room", room), (", escapes", escaped), (", 1,000-byte text", long)] {
        Benchmark("replica line format (\(ReplicaFile.line(for: line).count) B\(what)) into a batch buffer",
                  configuration: .init(scalingFactor: .kilo)) { benchmark in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 16)
            for _ in benchmark.scaledIterations {
                buffer.removeAll(keepingCapacity: true)
                ReplicaFile.appendLine(for: line, to: &buffer)
                blackHole(buffer.count)
            }
        }
    }

    // As a receiving node queues them, one append per data packet; 8,192
    // lines per fsync is one 200 ms group commit at about 40 k msgs/s.
    let count = 8_192
    let batches = Fixtures.batches(count).map(\.messages)
    // With the SQLite index (a node's writer), and without it (the
    // public plain writer) to tell the index's share.
    for indexed in [true, false] {
        Benchmark("replica append \(count) msgs (\(batches.count) appends)\(indexed ? " + SQLite index" : ", no index") + 1 fsync") { benchmark in
            let folder = try TempFolder()
            defer { folder.remove() }
            let dir = StateDirectory(path: folder.path)
            let writer = indexed ? try DiskWriter(directory: dir)
                : try DiskWriter(replicaPath: dir.replicaPath, checkpoints: CheckpointStore(directory: dir.path))
            benchmark.startMeasurement()
            for b in batches { writer.appendReplica(b) }
            // Written, indexed (a flush commits the rows the writer holds
            // back for its next index transaction) and fsynced.
            writer.flush()
            benchmark.stopMeasurement()
            writer.close()
            let s = writer.stats
            if s.appended != count || s.errors != 0 { benchmark.error("appended \(s.appended) of \(count): \(s.lastError ?? "")") }
        }
    }
}
