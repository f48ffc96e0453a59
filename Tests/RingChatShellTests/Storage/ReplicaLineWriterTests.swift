import Testing
@testable import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// The hand-written replica line is byte for byte what JSONEncoder writes
/// for the codec's versioned line (and, without the version, what it wrote
/// before the format had one), for awkward text too.
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
        var expected = try StateJSON.encode(ReplicaLineCodec.VersionedLine(m))
        expected.append(UInt8(ascii: "\n"))
        #expect(ReplicaLineCodec.line(for: m) == expected)
        let back = try StateJSON.decode(ReplicaLineCodec.VersionedLine.self, from: ReplicaLineCodec.line(for: m).dropLast())
        #expect(back.message == m && back.version == ReplicaLineCodec.version)
        #expect(ReplicaLineCodec.decode(ReplicaLineCodec.line(for: m).dropLast()) == m)
        var old = try StateJSON.encode(m)
        old.append(UInt8(ascii: "\n"))
        #expect(ReplicaLineCodec.line(for: m, version: ReplicaLineCodec.unversioned) == old)
    }

    static let numbers: [(UInt64, UInt32, UInt64, Int64)] = [
        (0, 0, 0, 0), (9, 9, 9, 9), (10, 10, 10, -10), (UInt64.max, UInt32.max, UInt64.max, Int64.min),
        (0x0123_4567_89ab_cdef, 1_000_000, 18_446_744_073_709_551_615, Int64.max),
    ]

    @Test("numbers and ids written digit by digit match JSONEncoder", arguments: numbers)
    func sameNumbers(n: (UInt64, UInt32, UInt64, Int64)) throws {
        let m = ChatMessage(id: MessageID(origin: NodeID(n.0), incarnation: n.1, counter: n.1),
                            nick: "n", text: "t", kind: .text,
                            slot: Slot(ring: RingID(epoch: n.2, creator: NodeID(~n.0), incarnation: n.1), seq: n.2),
                            timestamp: n.3)
        var expected = try StateJSON.encode(ReplicaLineCodec.VersionedLine(m))
        expected.append(UInt8(ascii: "\n"))
        #expect(ReplicaLineCodec.line(for: m) == expected)
    }
}
