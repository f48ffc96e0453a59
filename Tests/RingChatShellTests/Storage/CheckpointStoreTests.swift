import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct CheckpointStoreTests {
    @Test func writeThenLoad() throws {
        let dir = TempDir("cp"); defer { dir.cleanup() }
        let store = CheckpointStore(directory: dir.path)
        #expect(store.load().checkpoint == nil)
        #expect(store.load().warnings.isEmpty)

        try store.write(Fixture.checkpoint(1))
        #expect(store.load().checkpoint == Fixture.checkpoint(1))
        try store.write(Fixture.checkpoint(2))
        let r = store.load()
        #expect(r.checkpoint == Fixture.checkpoint(2))
        #expect(r.warnings.isEmpty)
        #expect(store.loadAll().checkpoints.map(\.number) == [2, 1])
        #expect(!FileIO.exists(dir.file("checkpoint.json.tmp")))
    }

    @Test func fileFormatHasFormatChecksumAndCheckpoint() throws {
        let dir = TempDir("cp"); defer { dir.cleanup() }
        let store = CheckpointStore(directory: dir.path)
        try store.write(Fixture.checkpoint(1))
        let text = String(decoding: try #require(readFile(store.currentPath)), as: UTF8.self)
        #expect(text.hasPrefix("{\"checkpoint\":{"))
        #expect(text.contains("\"format\":1"))
        let sum = try CheckpointStore.checksum(of: Fixture.checkpoint(1))
        #expect(sum.count == 16)
        #expect(text.contains("\"checksum\":\"\(sum)\""))
    }

    /// Truncated, a flipped byte, not JSON at all, empty, a huge number:
    /// the node falls back to the previous checkpoint, and the bad file is
    /// moved aside to `.broken` with its bytes intact (never deleted, never
    /// rotated into the previous slot by the next checkpoint).
    @Test(arguments: ["truncated", "flipped", "garbage", "empty", "huge number"])
    func corruptNewestFallsBackToPreviousAndIsMovedAside(damage: String) throws {
        let dir = TempDir("cp"); defer { dir.cleanup() }
        let store = CheckpointStore(directory: dir.path)
        try store.write(Fixture.checkpoint(1))
        try store.write(Fixture.checkpoint(2))
        var bytes = try #require(readFile(store.currentPath))
        switch damage {
        case "truncated": bytes = Array(bytes.prefix(bytes.count / 2))
        case "flipped": bytes[bytes.count / 2] ^= 0x20
        case "garbage": bytes = Array("\u{0}\u{1}not json".utf8)
        case "huge number":
            bytes = Array(String(decoding: bytes, as: UTF8.self)
                .replacing("\"replicaCount\":10", with: "\"replicaCount\":99999999999999999999999").utf8)
        default: bytes = []
        }
        writeFile(store.currentPath, bytes)
        let r = store.load()
        #expect(r.checkpoint == Fixture.checkpoint(1))
        #expect(r.warnings.count == 1)
        #expect(r.warnings[0].contains("checkpoint.json") && r.warnings[0].contains("falling back"))
        #expect(r.warnings[0].contains("moved to \(store.currentPath).broken"), "\(r.warnings)")
        #expect(readFile(store.currentPath + ".broken") == bytes, "the bad file is kept as it was")
        #expect(readFile(store.currentPath) == nil)
        // The next checkpoint does not rotate the bad one into prev.
        try store.write(Fixture.checkpoint(3))
        #expect(store.loadAll().checkpoints.map(\.number) == [3, 1])
    }

    @Test func checksumMismatchIsDetected() throws {
        let dir = TempDir("cp"); defer { dir.cleanup() }
        let store = CheckpointStore(directory: dir.path)
        try store.write(Fixture.checkpoint(1))
        try store.write(Fixture.checkpoint(2, replicaCount: 10))
        // A valid-looking edit: the JSON still parses, only the value changed.
        var text = String(decoding: try #require(readFile(store.currentPath)), as: UTF8.self)
        #expect(text.contains("\"replicaCount\":10"))
        text = text.replacing("\"replicaCount\":10", with: "\"replicaCount\":11")
        writeFile(store.currentPath, text)
        #expect(throws: CheckpointFileError("checksum mismatch")) {
            _ = try CheckpointStore.decode(Array(text.utf8))
        }
        let r = store.load()
        #expect(r.checkpoint?.number == 1)
        #expect(r.warnings.first?.contains("checksum mismatch") == true)
    }

    @Test func bothBadGivesNilWithWarnings() throws {
        let dir = TempDir("cp"); defer { dir.cleanup() }
        let store = CheckpointStore(directory: dir.path)
        writeFile(store.currentPath, "x")
        writeFile(store.previousPath, "{\"format\":2}")
        let r = store.load()
        #expect(r.checkpoint == nil)
        #expect(r.warnings.count == 3)
        #expect(r.warnings.last?.contains("no valid checkpoint") == true)
    }

    @Test func crashBetweenRenamesStillFindsPrevious() throws {
        let dir = TempDir("cp"); defer { dir.cleanup() }
        let store = CheckpointStore(directory: dir.path)
        try store.write(Fixture.checkpoint(1))
        // The state right after "current -> prev" and before "tmp -> current".
        try FileIO.rename(store.currentPath, store.previousPath)
        writeFile(dir.file("checkpoint.json.tmp"), "half")
        let r = store.load()
        #expect(r.checkpoint == Fixture.checkpoint(1))
        // And the next write recovers cleanly.
        try store.write(Fixture.checkpoint(2))
        #expect(store.load().checkpoint == Fixture.checkpoint(2))
    }
}
