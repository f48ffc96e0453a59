import Testing
@testable import RingChatCore
@testable import RingChatRuntime

/// The hand-written replica line is byte for byte what JSONEncoder wrote
/// before (old replicas and new ones are one format), for awkward text too.
@Suite("Replica line writer")
struct ReplicaLineWriterTests {
    static let texts = ["hello", "quote \" and backslash \\ and slash /", "tab\tnewline\ncr\r bell\u{07} nul\u{00} esc\u{1B}",
                        "ünïcödé 🎉 \u{2028} \u{7F}", "", "\u{08}\u{0C}\u{1F}"]

    @Test("same bytes as the JSONEncoder line", arguments: texts)
    func sameBytes(text: String) throws {
        let m = ChatMessage(id: MessageID(origin: NodeID(0xabc), incarnation: 3, counter: 42), nick: "n\"ick\\",
                            text: text, kind: text.isEmpty ? .action : .text,
                            slot: Slot(ring: RingID(epoch: 7, creator: NodeID(0xdef), incarnation: 2), seq: 99),
                            timestamp: -5)
        var expected = try StateJSON.encode(m)
        expected.append(UInt8(ascii: "\n"))
        #expect(ReplicaLineWriter.line(for: m) == expected)
        let back = try StateJSON.decode(ChatMessage.self, from: ReplicaLineWriter.line(for: m).dropLast())
        #expect(back == m)
    }
}
