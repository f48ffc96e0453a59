import Foundation
import Testing
@testable import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage

/// The replica line's bytes pinned as literals (not against JSONEncoder, as
/// ReplicaLineWriterTests does): the writer's fast paths (the eight-bytes-
/// at-a-time scan, strings copied whole into the stack piece, hex and
/// decimal digits written a word or a pair at a time) cannot drift from
/// the format of every line already on disk.
@Suite("Replica line bytes")
struct ReplicaLineBytesTests {
    /// A message whose only variable parts are its strings and kind.
    static func message(nick: String = "zoë", text: String, kind: MessageKind = .text, room: String = "") -> ChatMessage {
        ChatMessage(id: MessageID(origin: NodeID(0xabc), incarnation: 3, counter: 42), nick: nick, text: text, kind: kind, room: room,
                    slot: Slot(ring: RingID(epoch: 7, creator: NodeID(0xdef), incarnation: 2), seq: 99),
                    timestamp: 1_700_000_000_000)
    }

    /// The line of `message(...)`, its strings already in JSON.
    static func line(nick: String = "zoë", text: String, kind: String = "text", room: String? = nil) -> String {
        #"{"id":"0000000000000abc.3.42","kind":""# + kind + #"","nick":""# + nick + #"","ring":"7.0000000000000def.2","#
            + (room.map { #""room":""# + $0 + #"","# } ?? "")
            + #""seq":99,"text":""# + text + #"","ts":1700000000000,"v":2}"# + "\n"
    }

    static let allControls = String(String.UnicodeScalarView((0...0x1F).map { Unicode.Scalar(UInt8($0)) }))
    static let x1000 = String(repeating: "x", count: WireLimits.maxTextBytes)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var message: ChatMessage
        var expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "plain", message: message(text: "hello"), expected: line(text: "hello")),
        Case(name: "quote, backslash, slash", message: message(nick: #"n"ick\"#, text: #"say "hi" \ bye / \\"#),
             expected: line(nick: #"n\"ick\\"#, text: #"say \"hi\" \\ bye / \\\\"#)),
        Case(name: "U+0000 to U+001F", message: message(text: allControls),
             expected: line(text: #"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f"#
                 + #"\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"#)),
        Case(name: "U+007F and U+0020 are raw", message: message(text: "del \u{7F} end"), expected: line(text: "del \u{7F} end")),
        Case(name: "non-ASCII, U+2028, U+FFFF raw", message: message(nick: "ünï", text: "zoë ünïcödé \u{2028}\u{2029} \u{FFFF} Ω"),
             expected: line(nick: "ünï", text: "zoë ünïcödé \u{2028}\u{2029} \u{FFFF} Ω")),
        Case(name: "emoji", message: message(nick: "🎉", text: "👍🏽 party 🎉🇫🇷"), expected: line(nick: "🎉", text: "👍🏽 party 🎉🇫🇷")),
        Case(name: "empty strings", message: message(nick: "", text: "", kind: .action), expected: line(nick: "", text: "", kind: "action")),
        // An escape in each place of an eight-byte word, and in the last,
        // overlapping word of a string that is not a multiple of eight.
        Case(name: "escape in the last partial word", message: message(text: "abcdefghij\"k"), expected: line(text: #"abcdefghij\"k"#)),
        Case(name: "escape in the first byte of a word", message: message(text: "abcdefgh\tijklmnop"), expected: line(text: #"abcdefgh\tijklmnop"#)),
        Case(name: "escape in the last byte of a word", message: message(text: "abcdefg\u{1F}hijklmnop"), expected: line(text: #"abcdefg\u001fhijklmnop"#)),
        Case(name: "seven bytes with a newline", message: message(nick: "a\nbcdef", text: "ok"), expected: line(nick: #"a\nbcdef"#, text: "ok")),
        Case(name: "room and action", message: message(text: "waves", kind: .action, room: "#ops"),
             expected: line(text: "waves", kind: "action", room: "#ops")),
        Case(name: "private, room with an escape", message: message(text: "c2VhbGVk", kind: .private, room: "@0b0b\"0b0b0b0b0b0b"),
             expected: line(text: "c2VhbGVk", kind: "private", room: #"@0b0b\"0b0b0b0b0b0b"#)),
        // Longer than the stack piece takes in: straight to the buffer.
        Case(name: "max-size text", message: message(text: x1000), expected: line(text: x1000)),
        Case(name: "max-size text ending in a quote", message: message(text: String(x1000.dropLast()) + "\""),
             expected: line(text: String(x1000.dropLast()) + #"\""#)),
        Case(name: "max-size sealed text", message: message(text: String(repeating: "A", count: WireLimits.maxSealedTextBytes), kind: .private, room: "@0b"),
             expected: line(text: String(repeating: "A", count: WireLimits.maxSealedTextBytes), kind: "private", room: "@0b")),
        Case(name: "max-size nick and text", message: message(nick: String(repeating: "n", count: WireLimits.maxNickBytes), text: x1000),
             expected: line(nick: String(repeating: "n", count: WireLimits.maxNickBytes), text: x1000)),
    ]

    @Test("the line's bytes", arguments: cases)
    func pinned(c: Case) {
        let line = ReplicaLineCodec.line(for: c.message)
        #expect(line == Array(c.expected.utf8))
        // Appended after other bytes, as in a batch: the same bytes.
        var batch: [UInt8] = Array("earlier line\n".utf8)
        ReplicaLineCodec.append(c.message, to: &batch)
        #expect(batch == Array("earlier line\n".utf8) + line)
    }

    /// Text of every length around the stack piece's limit (strings that
    /// fit are copied in, longer ones go straight to the buffer), with and
    /// without an escape: what JSONEncoder writes.
    @Test("text lengths around the piece's limit", arguments: [0, 1, 7, 8, 9, 15, 16, 17, 100]
        + Array((ReplicaLineCodec.LinePiece.capacity - ReplicaLineCodec.LinePiece.stretch - 200)...(ReplicaLineCodec.LinePiece.capacity - ReplicaLineCodec.LinePiece.stretch - 150))
        + [WireLimits.maxTextBytes])
    func lengths(n: Int) throws {
        for text in [String(repeating: "y", count: n), String(repeating: "y", count: max(0, n - 1)) + (n > 0 ? "\\" : "")] {
            let m = Self.message(text: text, room: n % 2 == 0 ? "" : "#room")
            var expected = try StateJSON.encode(ReplicaLineCodec.VersionedLine(m))
            expected.append(UInt8(ascii: "\n"))
            #expect(ReplicaLineCodec.line(for: m) == expected)
        }
    }

    static let fillers: [UInt8] = [0x61, 0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xA2, 0xDC, 0xFF, 0x00]

    /// The word-at-a-time scan against the one byte rule: every byte value
    /// at every position of buffers of 1 to 24 bytes, among fillers just
    /// beside the values the rule looks for (a borrow into the next byte
    /// must not be taken for a match, nor hide one).
    @Test("the fast scan agrees with the byte rule", arguments: fillers)
    func scan(filler: UInt8) {
        for length in 1...24 {
            var bytes = [UInt8](repeating: filler, count: length)
            for position in 0..<length {
                for b in 0...255 {
                    bytes[position] = UInt8(b)
                    let scanned = bytes.withUnsafeBufferPointer { ReplicaLineCodec.needsEscaping($0) }
                    let expected = (length > 1 && ReplicaLineCodec.needsEscaping(filler)) || ReplicaLineCodec.needsEscaping(UInt8(b))
                    if scanned != expected {
                        Issue.record("length \(length), byte \(b) at \(position) among \(filler): scan says \(scanned)")
                        return
                    }
                }
                bytes[position] = filler
            }
        }
    }

    /// `appendEscaped` escapes exactly the bytes the scan looks for, in
    /// JSON's short form where there is one.
    @Test func everyByteEscapedByTheOneRule() {
        let short: [UInt8: String] = [0x22: #"\""#, 0x5C: #"\\"#, 0x08: #"\b"#, 0x0C: #"\f"#, 0x0A: #"\n"#, 0x0D: #"\r"#, 0x09: #"\t"#]
        for b in 0...255 {
            let byte = UInt8(b)
            var out: [UInt8] = []
            [byte].withUnsafeBufferPointer { ReplicaLineCodec.appendEscaped($0, to: &out) }
            let expected: [UInt8]
            if let s = short[byte] { expected = Array(s.utf8) }
            else if byte < 0x20 { expected = Array(String(format: "\\u%04x", b).utf8) }
            else { expected = [byte] }
            #expect(out == expected, "byte \(b)")
            #expect((out != [byte]) == ReplicaLineCodec.needsEscaping(byte), "byte \(b)")
        }
    }

    static let numbers: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1_000, 9_999, 10_000, 10_001, 99_999, 100_000,
                                    1_700_000_000_000, 4_294_967_295, 10_000_000_000_000_000_000, UInt64.max, UInt64.max - 1]
        + (0..<64).map { UInt64(1) << $0 } + (1...19).map { (0..<$0).reduce(UInt64(1)) { x, _ in x * 10 } - 1 }

    /// Digits of the stack piece: decimal two at a time, hex eight at a time.
    @Test("decimal and hex digits", arguments: numbers)
    func digits(v: UInt64) {
        let written = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: ReplicaLineCodec.LinePiece.capacity) { buf in
            var p = ReplicaLineCodec.LinePiece(buf.baseAddress!)
            p.decimal(v)
            p.put(UInt8(ascii: " "))
            p.hex(v)
            p.put(UInt8(ascii: " "))
            p.hex(~v)
            return String(decoding: UnsafeBufferPointer(start: buf.baseAddress, count: p.count), as: UTF8.self)
        }
        func hex16(_ x: UInt64) -> String { let h = String(x, radix: 16); return String(repeating: "0", count: 16 - h.count) + h }
        #expect(written == "\(v) \(hex16(v)) \(hex16(~v))")
    }

    @Test func constantsSpellTheFormat() {
        #expect(ReplicaLineCodec.versionSuffix.description == #","v":\#(ReplicaLineCodec.version)}"# + "\n")
        #expect(ReplicaLineCodec.LinePiece.digitPairs.description == (0..<100).map { $0 < 10 ? "0\($0)" : "\($0)" }.joined())
    }

    /// What the disk thread writes for a batch of these lines, in several
    /// appends joined into one write, is their lines one after another.
    @Test func diskWriterWritesTheSameBytes() throws {
        let dir = TempDir("line-bytes"); defer { dir.cleanup() }
        let w = try DiskWriter(replicaPath: dir.file("replica.jsonl"), checkpoints: CheckpointStore(directory: dir.path))
        let ms = Self.cases.map(\.message)
        for chunk in stride(from: 0, to: ms.count, by: 3) { w.appendReplica(Array(ms[chunk..<min(chunk + 3, ms.count)])) }
        w.flush()
        w.close()
        let bytes = try FileIO.read(dir.file("replica.jsonl"), limit: 1 << 20)
        #expect(bytes == Self.cases.flatMap { Array($0.expected.utf8) })
    }
}
