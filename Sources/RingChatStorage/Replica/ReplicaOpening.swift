#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO

/// A node's start, on the disk side: decides what of replica.jsonl must be
/// read (only the lines after the newest checkpoint, when its snapshot
/// still matches the file), brings the index up to the file's end
/// (rebuilding it when it does not match), cuts a torn tail, and reads
/// every line needed in one streaming pass.
package struct ReplicaOpening {
    /// The log rebuilt for `Node.restore`.
    package var replay: ReplicaReplay
    /// The replica's end after the pass: where appends continue.
    package var end: ReplicaIndex.Position
    /// The index, open for writing and covering `end`; nil if it could not
    /// be opened (the node runs without history reads, with a warning).
    package var index: ReplicaIndex?
    package var warnings: [String] = []

    /// Lines indexed per transaction while catching the index up.
    static let indexBatch = 8_192

    package static func prepare(_ dir: StateDirectory, checkpoint: Checkpoint?, capacity: Int) -> ReplicaOpening {
        let first = pass(dir, checkpoint: checkpoint, capacity: capacity)
        guard first.implausible > 0 else { return first }
        // Lines no honest node writes: moved to replica.jsonl.broken by the
        // (rare, in-memory) repair of ReplicaFile.load, then read again:
        // the offsets after them moved, so the checkpoint's position and
        // the index no longer match and are not trusted.
        first.index?.close()
        let moved = ReplicaFile.load(from: dir.replicaPath).warnings
        var again = pass(dir, checkpoint: checkpoint, capacity: capacity)
        again.warnings = moved + again.warnings
        return again
    }

    /// Implausible lines the pass skipped.
    var implausible = 0

    private static func pass(_ dir: StateDirectory, checkpoint: Checkpoint?, capacity: Int) -> ReplicaOpening {
        var warnings: [String] = []
        let size = fileSize(dir.replicaPath)

        // The checkpoint's snapshot stands for the lines up to its byte
        // position if the line ending there is still the one it recorded.
        var cpStart: (bytes: Int, lines: Int, tail: UInt64)?
        if let cp = checkpoint, cp.log != nil, let b = cp.replicaBytes, let t = cp.replicaTail.flatMap({ UInt64($0, radix: 16) }),
           b <= size, tailHash(dir.replicaPath, endingAt: b) == t {
            cpStart = (b, cp.replicaCount, t)
        } else if let cp = checkpoint, cp.log != nil, cp.replicaBytes == 0, cp.replicaCount == 0 {
            // It covers an empty replica: no line ends anywhere, so there is
            // no tail to check (a node that quit before any line was said
            // was told on its next start that its checkpoint did not match).
            cpStart = (0, 0, 0)
        }

        var index = openIndex(dir.indexPath, replicaIsEmpty: size == 0, warnings: &warnings)
        var idxStart = ReplicaIndex.Position.empty
        if let idx = index {
            do throws(SQLiteError) {
                let p = try idx.position()
                if p.bytes <= size, p.bytes == 0 ? p.lines == 0 : tailHash(dir.replicaPath, endingAt: p.bytes) == p.tail {
                    idxStart = p
                } else {
                    warnings.append("\(StateDirectory.indexFile) does not match the replica: rebuilding it")
                    try idx.clear()
                }
            } catch {
                warnings.append("\(StateDirectory.indexFile) unusable (\(error)): running without it")
                idx.close()
                index = nil
            }
        }
        let replay = ReplicaReplay(checkpoint: checkpoint, snapshotUsable: cpStart != nil, capacity: capacity)
        // Without an index, only the replay decides where to start.
        let replayFrom = cpStart?.bytes ?? 0
        let indexFrom = index == nil ? Int.max : idxStart.bytes
        let from = min(replayFrom, indexFrom)
        let base = from == replayFrom ? (cpStart?.lines ?? 0) : idxStart.lines
        var end = ReplicaIndex.Position(lines: base, bytes: from,
                                        tail: from == replayFrom ? (cpStart?.tail ?? 0) : idxStart.tail)

        var opening = ReplicaOpening(replay: replay, end: end, index: index, warnings: warnings)
        var rows: [(location: ReplicaIndex.Location, message: ChatMessage)] = []
        func flushRows() {
            guard let idx = opening.index, !rows.isEmpty else { return }
            do throws(SQLiteError) { try idx.append(rows, position: end) } catch {
                opening.warnings.append("\(StateDirectory.indexFile) could not be written (\(error)): running without it")
                idx.close()
                ReplicaIndex.remove(dir.indexPath)
                opening.index = nil
            }
            rows.removeAll(keepingCapacity: true)
        }
        // A line of a later version is stepped over: the position ends past
        // it (appends continue after it, a checkpoint covers it), it counts
        // as no message (the core counts messages) and is never indexed.
        let report = ReplicaScanner.scan(dir.replicaPath, from: from, firstLine: base + 1, repair: true, kept: { offset, length, bytes in
            var h = FNV1a()
            h.add(bytes)
            h.add(UInt8(0x0A))
            end.bytes = offset + length
            end.tail = h.value
        }) { offset, length, bytes, m in
            var h = FNV1a()
            h.add(bytes)
            h.add(UInt8(0x0A))
            end.lines += 1
            end.bytes = offset + length
            end.tail = h.value
            if offset >= replayFrom { opening.replay.add(m) }
            if offset >= indexFrom {
                rows.append((ReplicaIndex.Location(offset: offset, length: length), m))
                if rows.count >= indexBatch { flushRows() }
            }
        }
        flushRows()
        opening.end = end
        opening.warnings += report.warnings
        opening.implausible = report.implausible
        if report.failed, let idx = opening.index {
            idx.close()
            opening.index = nil
        }
        return opening
    }

    private static func openIndex(_ path: String, replicaIsEmpty: Bool, warnings: inout [String]) -> ReplicaIndex? {
        let existed = FileIO.exists(path)
        do throws(SQLiteError) {
            let idx = try ReplicaIndex(path: path, writable: true)
            if !existed, !replicaIsEmpty { warnings.append("building \(StateDirectory.indexFile) from the replica (first start of this version, or it was deleted)") }
            return idx
        } catch where error.code == ReplicaIndex.otherFormat {
            warnings.append("\(StateDirectory.indexFile) is of another version's format (\(error.message)): rebuilding it")
        } catch {
            warnings.append("\(StateDirectory.indexFile) is damaged (\(error)): rebuilding it")
        }
        ReplicaIndex.remove(path)
        do throws(SQLiteError) { return try ReplicaIndex(path: path, writable: true) } catch {
            warnings.append("\(StateDirectory.indexFile) cannot be created (\(error)): running without it")
            return nil
        }
    }

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    /// FNV-1a of the line (with its newline) that ends at byte `end`; nil
    /// if no line ends there.
    static func tailHash(_ path: String, endingAt end: Int) -> UInt64? {
        guard end > 0 else { return nil }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var want = min(end, 4_096)
        while true {
            var buf = [UInt8](repeating: 0, count: want)
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(end - want)) }
            guard n == want, buf[want - 1] == 0x0A else { return nil }
            if let nl = buf[..<(want - 1)].lastIndex(of: 0x0A) {
                return FNV1a.hash(Array(buf[(nl + 1)...]))
            }
            if want == end { return FNV1a.hash(buf) }
            guard want <= ReplicaFile.maxLineBytes else { return nil }
            want = min(end, want * 4)
        }
    }
}
