import Testing
@testable import RingChatCore

/// What the decoder's UTF-8 check (`ByteReader.string`) must refuse and
/// must keep byte for byte. It once went through `String(validating:as:)`;
/// these pin that the faster path kept its semantics exactly.
@Suite("Wire strings: strict UTF-8, exact round trips, bounded lengths")
struct WireStringTests {
    /// One string field's bytes and what they are.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var testDescription: String { name }
    }

    static let invalid: [Case] = [
        Case(name: "lone continuation byte", bytes: [0x80]),
        Case(name: "continuation byte after ASCII", bytes: [0x61, 0xBF]),
        Case(name: "overlong 2-byte '/' (C0 AF)", bytes: [0xC0, 0xAF]),
        Case(name: "overlong 2-byte (C1 BF)", bytes: [0xC1, 0xBF]),
        Case(name: "overlong 3-byte '/' (E0 80 AF)", bytes: [0xE0, 0x80, 0xAF]),
        Case(name: "overlong 3-byte U+07FF (E0 9F BF)", bytes: [0xE0, 0x9F, 0xBF]),
        Case(name: "overlong 4-byte '/' (F0 80 80 AF)", bytes: [0xF0, 0x80, 0x80, 0xAF]),
        Case(name: "overlong 4-byte U+FFFF (F0 8F BF BF)", bytes: [0xF0, 0x8F, 0xBF, 0xBF]),
        Case(name: "high surrogate U+D800", bytes: [0xED, 0xA0, 0x80]),
        Case(name: "low surrogate U+DFFF", bytes: [0xED, 0xBF, 0xBF]),
        Case(name: "surrogate pair as CESU-8", bytes: [0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80]),
        Case(name: "U+110000 (F4 90 80 80)", bytes: [0xF4, 0x90, 0x80, 0x80]),
        Case(name: "lead byte F5", bytes: [0xF5, 0x80, 0x80, 0x80]),
        Case(name: "byte FE", bytes: [0xFE]),
        Case(name: "byte FF", bytes: [0x61, 0xFF, 0x61]),
        Case(name: "2-byte sequence cut at the end", bytes: [0x61, 0xC3]),
        Case(name: "3-byte sequence cut at the end", bytes: [0x61, 0xE2, 0x82]),
        Case(name: "4-byte sequence cut at the end", bytes: [0x61, 0xF0, 0x9F, 0x98]),
        // Repaired, these would keep their length (one U+FFFD for three
        // bytes): a check that compared lengths would let them through.
        Case(name: "4-byte sequence cut before ASCII", bytes: [0xF0, 0x9F, 0x98, 0x61]),
        Case(name: "3-byte sequence cut before ASCII", bytes: [0xE2, 0x82, 0x61]),
        // Word-at-a-time ASCII scans must look at the last bytes too.
        Case(name: "bad byte after 99 ASCII bytes", bytes: Array(repeating: 0x78, count: 99) + [0xFF]),
        Case(name: "bad byte after 7 ASCII bytes", bytes: Array(repeating: 0x78, count: 7) + [0x80]),
        Case(name: "cut emoji after 996 ASCII bytes", bytes: Array(repeating: 0x78, count: 996) + [0xF0, 0x9F, 0x98]),
    ]

    static let valid: [Case] = [
        Case(name: "empty (the lobby's room)", bytes: []),
        Case(name: "ASCII", bytes: Array("hello, ring".utf8)),
        Case(name: "100 ASCII bytes", bytes: Array(("b" + String(repeating: "x", count: 99)).utf8)),
        Case(name: "NUL and control bytes", bytes: [0x00, 0x61, 0x1B, 0x7F]),
        Case(name: "é precomposed", bytes: Array("caf\u{E9}".utf8)),
        Case(name: "é decomposed (not normalized into é)", bytes: Array("cafe\u{301}".utf8)),
        Case(name: "€ and CJK", bytes: Array("5 € 漢字".utf8)),
        Case(name: "emoji", bytes: Array("ok 😀".utf8)),
        Case(name: "ZWJ family and flag", bytes: Array("👨‍👩‍👧 🇫🇷".utf8)),
        Case(name: "U+FFFD itself", bytes: [0xEF, 0xBF, 0xBD]),
        Case(name: "U+D7FF and U+E000 (beside the surrogates)", bytes: [0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80]),
        Case(name: "U+10FFFF (the last code point)", bytes: [0xF4, 0x8F, 0xBF, 0xBF]),
        Case(name: "U+0080, U+0800, U+10000 (the shortest forms)", bytes: [0xC2, 0x80, 0xE0, 0xA0, 0x80, 0xF0, 0x90, 0x80, 0x80]),
        Case(name: "1,000 bytes of mixed text", bytes: Array(String(repeating: "añ€😀", count: 100).utf8)),
    ]

    /// A text field as the decoder sees it: two-byte length, then the bytes.
    private func readText(_ bytes: [UInt8], limit: Int = WireLimits.maxTextBytes) throws(WireError) -> String {
        var r = ByteReader([0xAA] + [UInt8(bytes.count >> 8), UInt8(bytes.count & 0xFF)] + bytes + [0xBB], from: 1)
        let s = try r.string("text", wide: true, limit: limit)
        let next = try r.u8()
        #expect(next == 0xBB, "the reader stops right after the string")
        return s
    }

    @Test("invalid UTF-8 is refused", arguments: invalid)
    func refused(c: Case) {
        #expect(throws: WireError.invalidUTF8("text")) { try readText(c.bytes, limit: 2_000) }
        #expect(String(validating: c.bytes, as: UTF8.self) == nil, "the standard library agrees")
    }

    @Test("invalid UTF-8 in a data message's text refuses the whole datagram", arguments: invalid)
    func refusedInPacket(c: Case) {
        let filler = String(repeating: "z", count: c.bytes.count)
        let m = chat(msgID(nodeB, 1, 1), ring: ringID(1), seq: 1, text: filler, nick: "bob")
        var bytes = WireCodec.encode(packet(from: nodeB, .data(DataBatch(retransmission: false, messages: [m]))))
        bytes.replaceSubrange((bytes.count - c.bytes.count)..., with: c.bytes)
        let error: WireError = c.bytes.count > WireLimits.maxTextBytes ? .tooLong("text") : .invalidUTF8("text")
        #expect(throws: error) { try WireCodec.decode(bytes) }
    }

    @Test("valid UTF-8 is kept byte for byte", arguments: valid)
    func kept(c: Case) throws {
        let s = try readText(c.bytes)
        #expect(Array(s.utf8) == c.bytes)
        #expect(s == String(validating: c.bytes, as: UTF8.self), "the standard library agrees")
    }

    @Test("valid text, nick and room round-trip exactly through a data packet", arguments: valid)
    func roundTrip(c: Case) throws {
        let text = String(decoding: c.bytes, as: UTF8.self)
        let nick = text.utf8.count <= WireLimits.maxNickBytes && !text.isEmpty ? text : "n😀"
        var m = chat(msgID(nodeB, 1, 1), ring: ringID(1), seq: 1, text: text, nick: nick)
        m.room = "#ops"
        let p = packet(from: nodeB, .data(DataBatch(retransmission: false, messages: [m, chat(msgID(nodeB, 1, 2), ring: ringID(1), seq: 2)])))
        let bytes = WireCodec.encode(p)
        let back = try WireCodec.decode(bytes)
        #expect(back == p)
        guard case .data(let d) = back.body else { Issue.record("not data"); return }
        #expect(Array(d.messages[0].text.utf8) == c.bytes)
        #expect(Array(d.messages[0].nick.utf8) == Array(nick.utf8))
        #expect(WireCodec.encode(back) == bytes)
    }

    @Test("lengths: the limit is inclusive, one byte more is too long, a length past the datagram is truncated",
          arguments: [(8, true), (1, false)] as [(Int, Bool)])
    func lengths(limit: Int, wide: Bool) {
        func reader(length: Int, bytes: Int) -> ByteReader {
            let prefix: [UInt8] = wide ? [UInt8(length >> 8), UInt8(length & 0xFF)] : [UInt8(length)]
            return ByteReader(prefix + Array(repeating: 0x61, count: bytes))
        }
        var atLimit = reader(length: limit, bytes: limit)
        #expect((try? atLimit.string("f", wide: wide, limit: limit)) == String(repeating: "a", count: limit))
        var over = reader(length: limit + 1, bytes: limit + 1)
        #expect(throws: WireError.tooLong("f")) { try over.string("f", wide: wide, limit: limit) }
        var short = reader(length: limit, bytes: limit - 1)
        #expect(throws: WireError.truncated) { try short.string("f", wide: wide, limit: limit) }
        var noLength = ByteReader(wide ? [0] : [])
        #expect(throws: WireError.truncated) { try noLength.string("f", wide: wide, limit: limit) }
    }

    @Test("a length of 0xFFFF is refused as too long before anything is read")
    func hugeLength() {
        var r = ByteReader([0xFF, 0xFF, 0x61])
        #expect(throws: WireError.tooLong("text")) { try r.string("text", wide: true, limit: WireLimits.maxTextBytes) }
    }

    @Test("random byte strings: accepted exactly when the standard library's validator accepts them, and kept",
          arguments: 1...4 as ClosedRange<UInt64>)
    func agreesWithStandardLibrary(seed: UInt64) throws {
        var g = SplitMix64(seed: seed)
        // Bytes drawn mostly from the values UTF-8 decisions hinge on.
        let interesting: [UInt8] = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                                    0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF]
        for _ in 0..<5_000 {
            let n = Int(g.next() % 12)
            let bytes = (0..<n).map { _ in g.next() % 3 == 0 ? UInt8(truncatingIfNeeded: g.next()) : interesting[Int(g.next() % UInt64(interesting.count))] }
            let expected = String(validating: bytes, as: UTF8.self)
            let got = try? readText(bytes)
            #expect(got == expected, "\(bytes)")
            if let got { #expect(Array(got.utf8) == bytes) }
        }
    }
}
