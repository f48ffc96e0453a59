import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct ReplicaFileTests {
    func lines(_ ms: [ChatMessage]) -> [UInt8] { ms.flatMap(ReplicaFile.line(for:)) }

    @Test func lineIsSortedKeyJSONWithNewline() throws {
        let line = ReplicaFile.line(for: Fixture.message(1, text: "a/b"))
        let s = String(decoding: line, as: UTF8.self)
        #expect(s.hasSuffix("}\n"))
        #expect(s.filter { $0 == "\n" }.count == 1)
        #expect(s.hasPrefix("{\"id\":\"00a1b2c3d4e5f607.2.1\",\"kind\":\"text\",\"nick\":\"zoë\",\"ring\":\"3.00a1b2c3d4e5f607.2\",\"seq\":1,\"text\":\"a/b\",\"ts\":"))
    }

    @Test func roundTrip() {
        let dir = TempDir("replica"); defer { dir.cleanup() }
        let ms = (1...50).map { Fixture.message($0) }
        writeFile(dir.file("replica.jsonl"), lines(ms))
        let r = ReplicaFile.load(from: dir.file("replica.jsonl"))
        #expect(r.messages == ms)
        #expect(r.warnings.isEmpty)
    }

    @Test func missingFileIsEmpty() {
        let r = ReplicaFile.load(from: "/tmp/ringchat-does-not-exist-\(UInt64.random(in: 0...UInt64.max))/replica.jsonl")
        #expect(r.messages.isEmpty && r.warnings.isEmpty)
    }

    @Test(arguments: [
        "{\"id\":\"00a1b2c3d4e5f607.2.4\",\"kin",   // torn mid-line
        "{}",                                          // torn just before the newline
        "garbage\n",                                   // complete but invalid last line
        "\n",                                          // an empty last line
    ])
    func tornLastLineIsCutAndFileTruncated(tail: String) throws {
        let dir = TempDir("replica"); defer { dir.cleanup() }
        let path = dir.file("replica.jsonl")
        let good = lines((1...3).map { Fixture.message($0) })
        writeFile(path, good + Array(tail.utf8))
        let r = ReplicaFile.load(from: path)
        #expect(r.messages == (1...3).map { Fixture.message($0) })
        #expect(r.warnings.count == 1)
        #expect(r.warnings.first?.contains("line 4") == true)
        #expect(readFile(path) == good)
        #expect(readFile(path + ".broken") == Array(tail.utf8), "the cut bytes are kept")
        // Loading again is clean now.
        #expect(ReplicaFile.load(from: path).warnings.isEmpty)
    }

    @Test func middleGarbageIsSkippedAndKept() throws {
        let dir = TempDir("replica"); defer { dir.cleanup() }
        let path = dir.file("replica.jsonl")
        let bytes = lines([Fixture.message(1), Fixture.message(2)]) + Array("{\"not\":\"a message\"}\n".utf8)
            + [0xFF, 0xFE, 0x0A] + lines([Fixture.message(3)])
        writeFile(path, bytes)
        let r = ReplicaFile.load(from: path)
        #expect(r.messages == [Fixture.message(1), Fixture.message(2), Fixture.message(3)])
        #expect(r.warnings.count == 2)
        #expect(r.warnings.contains { $0.contains("line 3") })
        #expect(r.warnings.contains { $0.contains("line 4") })
        #expect(readFile(path) == bytes, "middle lines are not rewritten")
    }

    /// A file that is not JSON at all: the node starts with an empty
    /// replica (its peers fill it), and every byte is in `.broken`.
    @Test func everythingBadLeavesAnEmptyFileAndKeepsTheBytes() {
        let dir = TempDir("replica"); defer { dir.cleanup() }
        let path = dir.file("replica.jsonl")
        writeFile(path, "nope\nalso nope")
        let r = ReplicaFile.load(from: path)
        #expect(r.messages.isEmpty)
        #expect(readFile(path) == [])
        #expect(readFile(path + ".broken") == Array("nope\nalso nope".utf8))
        #expect(r.warnings.count == 1 && r.warnings[0].contains("line 1") && r.warnings[0].contains("2"))
    }
}
