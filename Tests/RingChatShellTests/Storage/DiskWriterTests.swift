#if canImport(Glibc)
import Glibc
#endif
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct DiskWriterTests {
    @Test func appendsThenFlushAreAllOnDisk() throws {
        let dir = TempDir("disk"); defer { dir.cleanup() }
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"), checkpoints: CheckpointStore(directory: dir.path))
        let ms = (1...300).map { Fixture.message($0) }
        for chunk in stride(from: 0, to: ms.count, by: 7) {
            w.appendReplica(Array(ms[chunk..<min(chunk + 7, ms.count)]))
        }
        w.flush()
        let s = w.stats
        #expect(s.appended == 300)
        #expect(s.durable == 300)
        #expect(s.replicaFsyncs >= 1)
        #expect(s.fsyncs == s.replicaFsyncs)
        #expect(s.errors == 0)
        let r = ReplicaFile.load(from: dir.file("replica.jsonl"))
        #expect(r.messages == ms)
        #expect(r.warnings.isEmpty)
        w.close()
    }

    @Test func groupCommitBatchesFsyncs() throws {
        let dir = TempDir("disk"); defer { dir.cleanup() }
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"), checkpoints: CheckpointStore(directory: dir.path),
                               syncInterval: .seconds(30))
        for i in 1...200 { w.appendReplica([Fixture.message(i)]) }
        w.flush()
        // The first append syncs at once (nothing synced for 30 s before it);
        // the rest wait for the interval, then the flush syncs them together.
        #expect(w.stats.replicaFsyncs <= 2)
        #expect(w.stats.durable == 200)
        w.close()
    }

    @Test func unflushedAppendsBecomeDurableWithinTheInterval() async throws {
        let dir = TempDir("disk"); defer { dir.cleanup() }
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"), checkpoints: CheckpointStore(directory: dir.path),
                               syncInterval: .milliseconds(50))
        defer { w.close() }
        w.appendReplica([Fixture.message(1)])
        w.appendReplica([Fixture.message(2)])
        // Up to 10 s: only a writer that never syncs takes that long.
        for _ in 0..<1000 where w.stats.durable < 2 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(w.stats.durable == 2)
    }

    @Test func checkpointWaitsForItsReplicaLinesToBeDurable() async throws {
        let dir = TempDir("disk"); defer { dir.cleanup() }
        let store = CheckpointStore(directory: dir.path)
        // A long interval: only the checkpoint can cause the replica fsync.
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"), checkpoints: store, syncInterval: .seconds(30))
        defer { w.close() }
        w.appendReplica([Fixture.message(1)])
        w.flush() // the first append's immediate sync is out of the way
        for i in 2...20 { w.appendReplica([Fixture.message(i)]) }
        let seen = Locked<DiskWriter.Stats?>(nil)
        let result = Locked<String?>(nil)
        await withCheckedContinuation { (k: CheckedContinuation<Void, Never>) in
            w.writeCheckpoint(Fixture.checkpoint(1, replicaCount: 20)) { r in
                seen.update { $0 = w.stats }
                result.update { $0 = (try? r.get()) != nil ? "ok" : "failed" }
                k.resume()
            }
        }
        #expect(result.value == "ok")
        let s = try #require(seen.value)
        #expect(s.appended == 20 && s.durable == 20, "a checkpoint covering 20 lines needs 20 durable lines")
        #expect(s.replicaFsyncs == 2)
        #expect(s.checkpointsWritten == 1)
        // replica x2, checkpoint temp file, directory.
        #expect(s.fsyncs == 4)
        #expect(s.fsyncMaxMicros >= 0 && s.fsyncTotalMicros >= s.fsyncMaxMicros)
        #expect(store.load().checkpoint == Fixture.checkpoint(1, replicaCount: 20))
    }

    @Test func checkpointFailureIsReported() async throws {
        let dir = TempDir("disk"); defer { dir.cleanup() }
        // Checkpoints into a directory that does not exist fail; the replica is fine.
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"),
                               checkpoints: CheckpointStore(directory: dir.file("missing")))
        defer { w.close() }
        let failed = await withCheckedContinuation { (k: CheckedContinuation<Bool, Never>) in
            w.writeCheckpoint(Fixture.checkpoint(1)) { r in
                if case .failure = r { k.resume(returning: true) } else { k.resume(returning: false) }
            }
        }
        #expect(failed)
        #expect(w.stats.errors == 1)
        #expect(w.stats.lastError?.contains("checkpoint #1") == true)
    }

    @Test func closeFlushesAndLaterWorkIsRefused() async throws {
        let dir = TempDir("disk"); defer { dir.cleanup() }
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"), checkpoints: CheckpointStore(directory: dir.path),
                               syncInterval: .seconds(30))
        for i in 1...10 { w.appendReplica([Fixture.message(i)]) }
        w.close()
        w.close()
        w.flush() // returns at once after close
        #expect(w.stats.durable == 10)
        #expect(ReplicaFile.load(from: dir.file("replica.jsonl")).messages.count == 10)
        let failed = await withCheckedContinuation { (k: CheckedContinuation<Bool, Never>) in
            w.writeCheckpoint(Fixture.checkpoint(1)) { r in
                if case .failure = r { k.resume(returning: true) } else { k.resume(returning: false) }
            }
        }
        #expect(failed)
    }

    @Test func appendsContinueAnExistingReplica() throws {
        let dir = TempDir("disk"); defer { dir.cleanup() }
        let path = dir.file("replica.jsonl")
        writeFile(path, ReplicaFile.line(for: Fixture.message(1)) + Array("{\"torn".utf8))
        // Startup order: load (cuts the torn line), then open the writer.
        #expect(ReplicaFile.load(from: path).messages.count == 1)
        let w = try DiskWriter(replicaPath: path, checkpoints: CheckpointStore(directory: dir.path))
        w.appendReplica([Fixture.message(2)])
        w.close()
        let r = ReplicaFile.load(from: path)
        #expect(r.messages == [Fixture.message(1), Fixture.message(2)])
        #expect(r.warnings.isEmpty)
    }

    /// A history read asks the writer for every line queued before it:
    /// lines that would linger in the queue and then wait for the next
    /// index transaction (up to `linger` + `indexDelay`) are in the index
    /// as soon as `waitIndexed` returns, without a flush.
    @Test func aRequestedIndexCoversEveryLineQueuedBeforeIt() throws {
        let dir = TempDir("disk"); defer { dir.cleanup() }
        let (w, reader) = try Self.indexedWriter(in: dir, syncInterval: .seconds(30))
        defer { w.close(); reader.close() }
        for round in 0..<3 {
            w.appendReplica((1...5).map { Fixture.message(5 * round + $0) })
            w.waitIndexed(w.requestIndex())
            #expect(try reader.position().lines == 5 * (round + 1), "round \(round)")
        }
        #expect(w.stats.durable < 15, "a request for the index is not a flush")
    }

    /// A closed writer never leaves a reader waiting (a hang is the defect).
    @Test(.timeLimit(.minutes(1))) func aClosedWriterAnswersEveryIndexRequest() throws {
        let dir = TempDir("disk"); defer { dir.cleanup() }
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"), checkpoints: CheckpointStore(directory: dir.path))
        w.appendReplica([Fixture.message(1)])
        let ticket = w.requestIndex()
        w.close()
        w.waitIndexed(ticket)
        w.waitIndexed(w.requestIndex())
    }

    /// Rows the writer holds back reach the index within `indexDelay`
    /// without a flush, once many lines wait and when a few do.
    @Test func heldRowsReachTheIndexWithoutAFlush() throws {
        let dir = TempDir("disk"); defer { dir.cleanup() }
        let (w, reader) = try Self.indexedWriter(in: dir, syncInterval: .milliseconds(200))
        defer { w.close(); reader.close() }
        func indexed(_ n: Int) -> Bool {
            let deadline = SystemClock.monotonicNow().nanoseconds + Duration.seconds(10).nanoseconds
            while SystemClock.monotonicNow().nanoseconds < deadline {
                if (try? reader.position().lines) == n { return true }
                usleep(2_000)
            }
            return false
        }
        let ms = (1...(DiskWriter.indexLines + 3)).map { Fixture.message($0) }
        w.appendReplica(Array(ms[..<DiskWriter.indexLines]))
        #expect(indexed(DiskWriter.indexLines))
        w.appendReplica(Array(ms[DiskWriter.indexLines...]))
        #expect(indexed(ms.count))
        #expect(reader.line(of: ms.last!.id) != nil)
    }

    /// A writer that keeps an index, and a reader of that index.
    static func indexedWriter(in dir: TempDir, syncInterval: Duration) throws -> (DiskWriter, ReplicaIndex) {
        let idx = try ReplicaIndex(path: dir.file("i.sqlite"), writable: true)
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"), checkpoints: CheckpointStore(directory: dir.path),
                               syncInterval: syncInterval, start: .empty, index: idx)
        return (w, try ReplicaIndex(path: dir.file("i.sqlite"), writable: false))
    }
}
