import Testing
import RingChatCore
@testable import RingChatRuntime

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

    @Test(arguments: ["truncated", "garbage", "empty"])
    func corruptNewestFallsBackToPrevious(damage: String) throws {
        let dir = TempDir("cp"); defer { dir.cleanup() }
        let store = CheckpointStore(directory: dir.path)
        try store.write(Fixture.checkpoint(1))
        try store.write(Fixture.checkpoint(2))
        let bytes = try #require(readFile(store.currentPath))
        switch damage {
        case "truncated": writeFile(store.currentPath, Array(bytes.prefix(bytes.count / 2)))
        case "garbage": writeFile(store.currentPath, "\u{0}\u{1}not json")
        default: writeFile(store.currentPath, [])
        }
        let r = store.load()
        #expect(r.checkpoint == Fixture.checkpoint(1))
        #expect(r.warnings.count == 1)
        #expect(r.warnings[0].contains("checkpoint.json") && r.warnings[0].contains("falling back"))
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
