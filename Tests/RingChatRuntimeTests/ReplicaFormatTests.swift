import Testing
@testable import RingChatCore
@testable import RingChatRuntime

/// Replica files written before the format carried a version are read
/// unchanged: Tests/Fixtures/replica-unversioned.jsonl holds lines exactly
/// as the writer produced them then (generated once, checked in, never
/// regenerated).
@Suite("Replica format")
struct ReplicaFormatTests {
    static let fixturePath: String = {
        let here = "\(#filePath)"
        let tests = here[..<here.range(of: "/RingChatRuntimeTests/")!.lowerBound]
        return tests + "/Fixtures/replica-unversioned.jsonl"
    }()

    /// The messages of the fixture, one per line, in order.
    static let messages: [ChatMessage] = {
        let a = NodeID(0x00a1_b2c3_d4e5_f607), b = NodeID(0xfedc_ba98_7654_3210)
        let r1 = RingID(epoch: 3, creator: a, incarnation: 2)
        let r2 = RingID(epoch: 1 << 62, creator: b, incarnation: UInt32.max)
        let texts = ["hello", "quote \" backslash \\ slash /", "tab\tnewline\ncr\r bell\u{07} esc\u{1B}[2J",
                     "ünïcödé 日本語 🎉 \u{2028} \u{7F}", "", "\u{08}\u{0C}\u{1F}", "waves",
                     String(repeating: "x", count: 1_000)]
        return texts.enumerated().map { i, text in
            ChatMessage(id: MessageID(origin: i % 2 == 0 ? a : b, incarnation: UInt32(i + 1), counter: UInt32(i * 1_000 + 1)),
                        nick: i == 3 ? "zoë" : (i == 5 ? String(repeating: "n", count: 32) : "al"),
                        text: text, kind: i == 6 ? .action : .text,
                        slot: Slot(ring: i < 4 ? r1 : r2, seq: i < 7 ? UInt64(i + 1) : 1 << 62),
                        timestamp: i == 4 ? -5 : 1_700_000_000_000 + Int64(i))
        }
    }()

    /// How the fixture was made, with the writer of before the version
    /// (commit "Tests/Fixtures: replica lines as written before the format
    /// had a version"). Never again: the file is the old format's record.
    @Test("generate the fixture", .disabled("run once, with the writer of before the version"))
    func generate() {
        writeFile(Self.fixturePath, Self.messages.flatMap(ReplicaFile.line(for:)))
    }

    @Test("a replica written before the version is read unchanged, whole and streamed")
    func readsTheUnversionedFixture() throws {
        let bytes = try #require(readFile(Self.fixturePath))
        let tmp = TempDir("format")
        defer { tmp.cleanup() }
        let path = tmp.file("replica.jsonl")
        writeFile(path, bytes)
        let loaded = ReplicaFile.load(from: path)
        #expect(loaded.warnings.isEmpty)
        #expect(loaded.messages == Self.messages)
        var streamed: [ChatMessage] = []
        let report = ReplicaScanner.scan(path, repair: true) { _, _, _, m in streamed.append(m) }
        #expect(report.warnings.isEmpty)
        #expect(streamed == Self.messages)
        #expect(readFile(path) == bytes, "reading changed the file")
    }
}
