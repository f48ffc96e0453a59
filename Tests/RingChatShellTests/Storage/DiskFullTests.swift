#if canImport(Glibc)
import Glibc
#endif
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// The disk thread on a disk that fills up (a write seam that fails with
/// ENOSPC while `full` is set): lines are kept in order and retried, the
/// failure is reported at once and not again within 10 s, a checkpoint is
/// refused while lines wait, and once writes succeed the replica ends
/// complete and in order (docs/STORAGE.md, "A full disk").
@Suite struct DiskFullTests {
    final class Disk: Sendable {
        let full = Locked(false)
        /// Bytes that still fit while `full` is set (nil: none).
        let room = Locked<Int?>(nil)
        let attempts = Locked(0)
        let reports = Locked<[ReplicaReport]>([])
        /// When each report arrived (monotonic ns).
        let reportedAt = Locked<[Int64]>([])
        var write: @Sendable (Int32, [UInt8], String) throws(SystemError) -> Void {
            { [full, room, attempts] fd, bytes, path throws(SystemError) in
                attempts.update { $0 += 1 }
                if full.value {
                    let fits = room.update { r -> Bool in
                        guard let left = r, left >= bytes.count else { return false }
                        r = left - bytes.count
                        return true
                    }
                    if !fits { throw SystemError("write", code: ENOSPC, context: path) }
                }
                try FileIO.writeAll(fd, bytes, path: path)
            }
        }
    }

    func writer(_ dir: TempDir, _ disk: Disk, maxUnwrittenBytes: Int = DiskWriter.defaultMaxUnwrittenBytes,
                index: ReplicaIndex? = nil) throws -> DiskWriter {
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"), checkpoints: CheckpointStore(directory: dir.path),
                               syncInterval: .milliseconds(50), start: .empty, index: index,
                               maxUnwrittenBytes: maxUnwrittenBytes, writeBytes: disk.write)
        w.onReport = { [reports = disk.reports, times = disk.reportedAt] r in
            times.update { $0.append(SystemClock.monotonicNow().nanoseconds) }
            reports.update { $0.append(r) }
        }
        return w
    }

    /// Polls `cond` for up to `seconds` of the clock, sleeping on this
    /// thread: an async sleep waits for a free thread of the test pool,
    /// which other tests' blocking work can hold for a minute (the disk
    /// then stayed "full" for as long, and a test that turns it on and off
    /// saw a warning every 10 s).
    func waitFor(_ seconds: Double = 30, _ cond: () -> Bool) throws -> Bool {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < end {
            if cond() { return true }
            usleep(10_000)
        }
        return cond()
    }

    func checkpoint(_ w: DiskWriter, _ n: UInt64, count: Int) async -> Bool {
        await withCheckedContinuation { (k: CheckedContinuation<Bool, Never>) in
            w.writeCheckpoint(Fixture.checkpoint(n, replicaCount: count)) { r in
                k.resume(returning: (try? r.get()) != nil)
            }
        }
    }

    @Test func failedLinesAreKeptRetriedAndWrittenInOrder() async throws {
        let dir = TempDir("diskfull"); defer { dir.cleanup() }
        let disk = Disk()
        let w = try writer(dir, disk)
        defer { w.close() }
        let ms = (1...300).map { Fixture.message($0) }
        w.appendReplica(Array(ms[0..<100]))
        w.flush()
        disk.full.update { $0 = true }
        for i in stride(from: 100, to: 200, by: 10) { w.appendReplica(Array(ms[i..<i + 10])) }
        // Said at once: the first failed write is reported.
        #expect(try waitFor { !disk.reports.value.isEmpty })
        let first = try #require(disk.reports.value.first)
        #expect(first.kind == .failing)
        #expect(first.text.hasPrefix("the replica cannot be written: no space left on device (errno 28) (state dir \(dir.path)); "), "\(first.text)")
        #expect(first.text.contains("lines are not on disk yet, retrying"))
        // Retried (with backoff), and not said again within 10 s.
        let before = disk.attempts.value
        #expect(try waitFor { disk.attempts.value >= before + 3 }, "retries: \(disk.attempts.value - before)")
        w.appendReplica(Array(ms[200..<300]))
        #expect(try waitFor { w.stats.unwritten == 200 })
        #expect(w.stats.failingSinceMillis != nil)
        // A checkpoint never covers lines that are not on disk.
        #expect(await checkpoint(w, 1, count: 300) == false)
        #expect(w.stats.checkpointsWritten == 0)

        disk.full.update { $0 = false }
        #expect(try waitFor { disk.reports.value.last?.kind == .recovered })
        let failing = disk.reports.value.dropLast()
        #expect(failing.allSatisfy { $0.kind == .failing })
        let times = disk.reportedAt.value.dropLast()
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 >= 10_000_000_000 },
                "failing reports closer than 10 s apart: \(times.map { ($0 - times.first!) / 1_000_000 }) ms")
        let back = try #require(disk.reports.value.last)
        #expect(back.kind == .recovered)
        #expect(back.held == 200 && back.dropped == 0)
        #expect(back.text.hasPrefix("the replica is written again (state dir \(dir.path)): the 200 lines held for "), "\(back.text)")
        w.flush()
        #expect(ReplicaFile.load(from: dir.file("replica.jsonl")).messages == ms)
        let s = w.stats
        #expect(s.appended == 300 && s.durable == 300 && s.unwritten == 0 && s.dropped == 0)
        #expect(s.failingSinceMillis == nil)
        #expect(w.backlog == 0)
        #expect(await checkpoint(w, 2, count: 300))
        #expect(CheckpointStore(directory: dir.path).load().checkpoint?.replicaBytes != nil)
    }

    /// A disk at the edge of full fails and recovers in turn: one warning
    /// (and its recovery) per 10 s, not one per turn.
    @Test func aDiskThatFailsAndRecoversInTurnIsSaidOncePerInterval() async throws {
        let dir = TempDir("diskfull"); defer { dir.cleanup() }
        let disk = Disk()
        let w = try writer(dir, disk)
        defer { w.close() }
        var n = 0
        for _ in 0..<3 {
            disk.full.update { $0 = true }
            n += 1
            w.appendReplica([Fixture.message(n)])
            #expect(try waitFor { w.stats.unwritten == 1 })
            disk.full.update { $0 = false }
            #expect(try waitFor { w.stats.unwritten == 0 && w.stats.failingSinceMillis == nil })
        }
        let reports = disk.reports.value
        let times = disk.reportedAt.value
        // Unless this task slept 10 s between turns (a loaded machine):
        // then a later turn may be said again, but never within 10 s.
        let failing = zip(reports, times).filter { $0.0.kind == .failing }.map(\.1)
        #expect(failing.count >= 1)
        #expect(zip(failing, failing.dropFirst()).allSatisfy { $1 - $0 >= 10_000_000_000 })
        #expect(reports.first?.kind == .failing && reports.dropFirst().first?.kind == .recovered)
        #expect(reports.filter { $0.kind == .recovered }.count == failing.count)
        w.flush()
        #expect(ReplicaFile.load(from: dir.file("replica.jsonl")).messages == (1...3).map { Fixture.message($0) })
    }

    /// Some space comes back, less than the lines that wait: as many as fit
    /// are written (in order), the rest wait on.
    @Test func whatFitsIsWrittenWhenSomeSpaceComesBack() async throws {
        let dir = TempDir("diskfull"); defer { dir.cleanup() }
        let disk = Disk()
        let w = try writer(dir, disk)
        defer { w.close() }
        let ms = (1...3_000).map { Fixture.message($0) }
        let lineBytes = ms.map { ReplicaFile.line(for: $0).count }
        disk.full.update { $0 = true }
        w.appendReplica(ms)
        #expect(try waitFor { w.stats.unwritten == 3_000 })
        // Room for a bit more than 1,500 lines, not for a 256 KiB chunk
        // (and the written half of the queue leaves memory).
        let room = lineBytes[0..<1_500].reduce(0, +) + lineBytes[1_500] / 2
        disk.room.update { $0 = room }
        #expect(try waitFor { w.stats.unwritten == 1_500 }, "\(w.stats.unwritten) wait")
        #expect(ReplicaFile.load(from: dir.file("replica.jsonl")).messages == Array(ms[0..<1_500]))
        disk.full.update { $0 = false }
        #expect(try waitFor { w.stats.unwritten == 0 && w.stats.failingSinceMillis == nil })
        w.flush()
        #expect(ReplicaFile.load(from: dir.file("replica.jsonl")).messages == ms)
    }

    @Test func beyondTheBoundLinesAreDroppedAndCounted() async throws {
        let dir = TempDir("diskfull"); defer { dir.cleanup() }
        let disk = Disk()
        let lineBytes = ReplicaFile.line(for: Fixture.message(1)).count
        let w = try writer(dir, disk, maxUnwrittenBytes: 20 * lineBytes + lineBytes / 2)
        let missing = Locked<[[StreamRange]]>([])
        w.onMissing = { r in missing.update { $0.append(r) } }
        defer { w.close() }
        let ms = (1...60).map { Fixture.message($0) }
        w.appendReplica(Array(ms[0..<10]))
        w.flush()
        disk.full.update { $0 = true }
        w.appendReplica(Array(ms[10..<60]))
        #expect(try waitFor { w.stats.dropped > 0 })
        let kept = w.stats.unwritten
        #expect(kept >= 15 && kept <= 21, "kept \(kept)")
        #expect(w.stats.dropped == 50 - kept)
        #expect(w.backlog == kept, "dropped lines leave the backlog")
        disk.full.update { $0 = false }
        #expect(try waitFor { disk.reports.value.last?.kind == .recovered })
        let back = try #require(disk.reports.value.last)
        #expect(back.dropped == 50 - kept)
        #expect(back.text.contains("more lines did not fit in the \((20 * lineBytes + lineBytes / 2) >> 10) KiB kept in memory: they are being written again, from memory or from peers"), "\(back.text)")
        // Named once, when the replica is written again: the node fetches
        // them (Node+Refill) without a restart.
        #expect(try waitFor { !missing.value.isEmpty })
        let dropped = ms[(10 + kept)...].map(\.id)
        #expect(missing.value.count == 1)
        #expect(missing.value.first == [StreamRange(stream: dropped[0].stream, counters: dropped.first!.counter...dropped.last!.counter)])
        w.flush()
        // The lines kept, in order; the rest are a hole the next start fills.
        #expect(ReplicaFile.load(from: dir.file("replica.jsonl")).messages == Array(ms[0..<(10 + kept)]))
        // A checkpoint is written but does not claim the replica position:
        // the next start reads every line and fetches what is missing.
        #expect(await checkpoint(w, 1, count: 60))
        #expect(CheckpointStore(directory: dir.path).load().checkpoint?.replicaBytes == nil)
    }

    @Test func theIndexCatchesUpAfterTheReplicaRecovers() async throws {
        let dir = TempDir("diskfull"); defer { dir.cleanup() }
        let disk = Disk()
        let idx = try ReplicaIndex(path: dir.file("i.sqlite"), writable: true)
        let w = try writer(dir, disk, index: idx)
        let ms = (1...50).map { Fixture.message($0) }
        w.appendReplica(Array(ms[0..<20]))
        w.flush()
        disk.full.update { $0 = true }
        w.appendReplica(Array(ms[20..<50]))
        #expect(try waitFor { w.stats.unwritten == 30 })
        disk.full.update { $0 = false }
        #expect(try waitFor { disk.reports.value.last?.kind == .recovered })
        w.close()
        let check = try ReplicaIndex(path: dir.file("i.sqlite"), writable: false)
        defer { check.close() }
        #expect(try check.position().lines == 50)
        #expect(check.line(of: ms[49].id) != nil)
    }

    @Test func theIndexWALStaysSmall() throws {
        let dir = TempDir("diskfull"); defer { dir.cleanup() }
        let idx = try ReplicaIndex(path: dir.file("i.sqlite"), writable: true)
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"), checkpoints: CheckpointStore(directory: dir.path),
                               syncInterval: .milliseconds(200), start: .empty, index: idx)
        // Lines of many senders taking turns: a run (an index row) per line.
        var largest = 0
        for k in 0..<40 {
            w.appendReplica((1...500).map { i in
                let n = k * 500 + i
                var m = Fixture.message(n)
                m.id = MessageID(origin: NodeID(UInt64(n % 7 + 1)), incarnation: 1, counter: UInt32(n))
                return m
            })
            w.flush()
            var st = stat()
            if stat(dir.file("i.sqlite-wal"), &st) == 0 { largest = max(largest, Int(st.st_size)) }
        }
        w.close()
        #expect(largest <= ReplicaIndex.walBytes + ReplicaIndex.walPages * 4096 * 2, "the WAL reached \(largest) bytes")
    }
}
