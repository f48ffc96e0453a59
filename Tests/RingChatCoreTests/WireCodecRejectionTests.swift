import Testing
@testable import RingChatCore

/// One hand-made malformed datagram and the error it must produce.
struct Malformed: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var error: WireError
    var testDescription: String { name }
}

private func encoded(_ body: Packet.Body) -> [UInt8] { WireCodec.encode(packet(from: nodeB, counter: 9, body)) }

private func patched(_ bytes: [UInt8], at offset: Int, _ new: [UInt8]) -> [UInt8] {
    var b = bytes
    b.replaceSubrange(offset..<(offset + new.count), with: new)
    return b
}

private func heartbeat(nick: String = "bob", ring: RingID? = nil, page: [DigestEntry] = []) -> Packet.Body {
    .heartbeat(Heartbeat(nick: nick, ring: ring, queued: 0, highestEpoch: 1,
                         digest: DigestSummary(streams: 0, messages: 0, hash: 0), page: page))
}

private func data(_ m: ChatMessage, retransmission: Bool = false) -> Packet.Body {
    .data(DataBatch(retransmission: retransmission, messages: [m]))
}

private let ring1 = ringID(1)
private let okMessage = chat(msgID(nodeB, 1, 1), ring: ring1, seq: 1, text: "hello", nick: "bob")

// Offsets inside a data packet carrying one message (see WireCodec).
private let dataFlagOffset = WireLimits.headerBytes          // retransmission flag
private let dataCountOffset = WireLimits.headerBytes + 2     // message count (after the lineage presence byte)
private let messageOffset = WireLimits.headerBytes + 3
/// After the shape byte and every field (the first message carries all).
private let messageKindOffset = messageOffset + 1 + 20 + 12 + 4 + 8 + 8
private let messageRoomOffset = messageKindOffset + 1        // the room's length (0: the lobby)
private let messageNickOffset = messageKindOffset + 3        // after kind, room length and nick length
private let heartbeatNickOffset = WireLimits.headerBytes + 1 // after the nick length

/// Nack and reconcile bodies written field by field, so that ranges the
/// Swift types cannot express (inverted) can be put on the wire.
private func rawNack(_ ranges: [(UInt64, UInt64)], count: Int? = nil) -> [UInt8] {
    var w = ByteWriter()
    w.bytes = Array(encoded(.nack(Nack(ring: ring1, ranges: [1...1]))).prefix(WireLimits.headerBytes + 20))
    w.u8(UInt8(count ?? ranges.count))
    for (lo, hi) in ranges { w.u64(lo); w.u64(hi) }
    return w.bytes
}

private func rawReconcile(_ ranges: [(UInt32, UInt32)], count: Int? = nil) -> [UInt8] {
    var w = ByteWriter()
    w.bytes = Array(encoded(.tokenAck(TokenAck(ring: ring1, hop: 1, nextSeq: 1))).prefix(WireLimits.headerBytes))
    w.bytes[3] = 7 // reconcileRequest
    w.u64(nodeA.raw)
    w.u8(UInt8(count ?? ranges.count))
    for (lo, hi) in ranges { w.u64(nodeC.raw); w.u32(3); w.u32(lo); w.u32(hi) }
    return w.bytes
}

private let invalidUTF8: [(String, [UInt8])] = [
    ("lone continuation byte", [0x80, 0x61, 0x61]),
    ("overlong slash", [0xC0, 0xAF, 0x61]),
    ("UTF-16 surrogate", [0xED, 0xA0, 0x80]),
    ("byte 0xFF", [0x61, 0xFF, 0x61]),
    ("sequence cut short", [0x61, 0xE2, 0x82]),
    ("beyond U+10FFFF", [0xF4, 0x90, 0x80]),
]

let malformedCorpus: [Malformed] = {
    let token = encoded(.token(Token(ring: ring1, hop: 3, to: nodeA, toIncarnation: 1, nextSeq: 4)))
    var out: [Malformed] = []
    // Header
    out.append(Malformed(name: "bad first magic byte", bytes: patched(token, at: 0, [0x53]), error: .badMagic))
    out.append(Malformed(name: "bad second magic byte", bytes: patched(token, at: 1, [0x00]), error: .badMagic))
    for v: UInt8 in [0, 1, 2, 4, 255] { // 1: before rooms; 2: before message shapes
        out.append(Malformed(name: "version \(v)", bytes: patched(token, at: 2, [v]), error: .unsupportedVersion(v)))
    }
    for k: UInt8 in [0, 10, 255] {
        out.append(Malformed(name: "kind \(k)", bytes: patched(token, at: 3, [k]), error: .unknownKind(k)))
    }
    for f: UInt8 in [1, 0x80] {
        out.append(Malformed(name: "flags \(f)", bytes: patched(token, at: 4, [f]), error: .unsupportedFlags(f)))
    }
    out.append(Malformed(name: "one trailing byte", bytes: token + [0], error: .trailingBytes(1)))
    // Leave (kind 9): ring presence, then the highest hop taken.
    let leaveNoRing = encoded(.leave(Leave(ring: nil, took: 0)))
    out.append(Malformed(name: "leave claiming a hop without a ring",
                         bytes: patched(leaveNoRing, at: leaveNoRing.count - 1, [1]), error: .invalidValue("leave hop without a ring")))
    out.append(Malformed(name: "leave with ring presence 2",
                         bytes: patched(leaveNoRing, at: WireLimits.headerBytes, [2]), error: .invalidValue("ring presence")))
    out.append(Malformed(name: "leave without its hop", bytes: Array(leaveNoRing.dropLast(8)), error: .truncated))
    out.append(Malformed(name: "leave with a trailing byte", bytes: encoded(.leave(Leave(ring: ring1, took: 4))) + [0],
                         error: .trailingBytes(1)))
    out.append(Malformed(name: "three trailing bytes after a heartbeat", bytes: encoded(heartbeat()) + [1, 2, 3],
                         error: .trailingBytes(3)))
    out.append(Malformed(name: "datagram over 65507 bytes", bytes: token + Array(repeating: 0, count: 65_508 - token.count),
                         error: .oversized(65_508)))
    // Strings
    out.append(Malformed(name: "heartbeat nick of 33 bytes", bytes: encoded(heartbeat(nick: String(repeating: "n", count: 33))),
                         error: .tooLong("nick")))
    out.append(Malformed(name: "heartbeat nick of 11 three-byte scalars", bytes: encoded(heartbeat(nick: String(repeating: "€", count: 11))),
                         error: .tooLong("nick")))
    var m = okMessage
    m.nick = String(repeating: "n", count: 33)
    out.append(Malformed(name: "message nick of 33 bytes", bytes: encoded(data(m)), error: .tooLong("nick")))
    m = okMessage
    m.text = String(repeating: "t", count: 1_001)
    out.append(Malformed(name: "text of 1001 bytes", bytes: encoded(data(m)), error: .tooLong("text")))
    m.text = String(repeating: "€", count: 334)
    out.append(Malformed(name: "text of 334 three-byte scalars", bytes: encoded(data(m)), error: .tooLong("text")))
    out.append(Malformed(name: "empty heartbeat nick", bytes: encoded(heartbeat(nick: "")), error: .invalidValue("empty nick")))
    m = okMessage
    m.nick = ""
    out.append(Malformed(name: "empty message nick", bytes: encoded(data(m)), error: .invalidValue("empty nick")))
    for (what, bad) in invalidUTF8 {
        out.append(Malformed(name: "heartbeat nick: \(what)",
                             bytes: patched(encoded(heartbeat(nick: "xxx")), at: heartbeatNickOffset, bad),
                             error: .invalidUTF8("nick")))
        out.append(Malformed(name: "message nick: \(what)",
                             bytes: patched(encoded(data(chat(okMessage.id, ring: ring1, seq: 1, nick: "xxx"))), at: messageNickOffset, bad),
                             error: .invalidUTF8("nick")))
        let withText = encoded(data(chat(okMessage.id, ring: ring1, seq: 1, text: "xxx")))
        out.append(Malformed(name: "text: \(what)", bytes: patched(withText, at: withText.count - 3, bad),
                             error: .invalidUTF8("text")))
    }
    // Message fields
    out.append(Malformed(name: "message counter 0", bytes: encoded(data(chat(msgID(nodeB, 1, 0), ring: ring1, seq: 1))),
                         error: .invalidValue("message counter")))
    out.append(Malformed(name: "seq 0", bytes: encoded(data(chat(msgID(nodeB, 1, 1), ring: ring1, seq: 0))),
                         error: .invalidValue("seq")))
    out.append(Malformed(name: "message kind 3", bytes: patched(encoded(data(okMessage)), at: messageKindOffset, [3]),
                         error: .invalidValue("message kind")))
    // A private message must be addressed to a node, and only it may be.
    out.append(Malformed(name: "private message in the lobby", bytes: patched(encoded(data(okMessage)), at: messageKindOffset, [2]),
                         error: .invalidValue("room")))
    for (name, room) in [("room without #", "ops"), ("room in capitals", "#Ops"), ("room with a space", "#a b"),
                         ("room of only #", "#"), ("private address in a text line", "@00000000000000b0"),
                         ("room with an escape", "#a\u{1b}")] {
        var m = okMessage
        m.room = room
        out.append(Malformed(name: name, bytes: encoded(data(m)), error: .invalidValue("room")))
    }
    var longRoom = okMessage
    longRoom.room = "#" + String(repeating: "a", count: RoomName.maxBytes)
    out.append(Malformed(name: "room too long", bytes: encoded(data(longRoom)), error: .tooLong("room")))
    var upper = okMessage
    upper.kind = .private
    upper.room = "@00000000000000B0"
    out.append(Malformed(name: "private address in capitals", bytes: encoded(data(upper)), error: .invalidValue("room")))
    out.append(Malformed(name: "retransmission flag 2", bytes: patched(encoded(data(okMessage)), at: dataFlagOffset, [2]),
                         error: .invalidValue("retransmission flag")))
    out.append(Malformed(name: "empty data batch",
                         bytes: Array(encoded(data(okMessage)).prefix(dataCountOffset)) + [0],
                         error: .invalidValue("empty data batch")))
    out.append(Malformed(name: "ring presence 2",
                         bytes: patched(encoded(.tokenRequest(TokenRequest(ring: nil, queued: 1))), at: WireLimits.headerBytes, [2]),
                         error: .invalidValue("ring presence")))
    // Heartbeat digest
    let entry = DigestEntry(stream: StreamID(origin: nodeC, incarnation: 1), contiguous: 3, max: 5, count: 4, setHash: 1)
    var bad = entry
    bad.contiguous = 6
    out.append(Malformed(name: "digest entry contiguous above max", bytes: encoded(heartbeat(page: [bad])),
                         error: .invalidValue("digest entry")))
    bad = entry
    bad.count = 2
    out.append(Malformed(name: "digest entry count below contiguous", bytes: encoded(heartbeat(page: [bad])),
                         error: .invalidValue("digest entry")))
    bad = entry
    bad.count = 6
    out.append(Malformed(name: "digest entry count above max", bytes: encoded(heartbeat(page: [bad])),
                         error: .invalidValue("digest entry")))
    out.append(Malformed(name: "digest page of 33 entries",
                         bytes: encoded(heartbeat(page: Array(repeating: entry, count: WireLimits.maxDigestPage + 1))),
                         error: .tooLong("digest page")))
    // Ranges
    out.append(Malformed(name: "inverted nack range", bytes: rawNack([(9, 5)]), error: .invalidValue("nack range")))
    out.append(Malformed(name: "inverted nack range after a good one", bytes: rawNack([(1, 2), (9, 5)]),
                         error: .invalidValue("nack range")))
    out.append(Malformed(name: "nack range from seq 0", bytes: rawNack([(0, 5)]), error: .invalidValue("nack range")))
    out.append(Malformed(name: "nack range spanning 1025 seqs", bytes: rawNack([(1, 1 + WireLimits.maxNackSpan)]),
                         error: .invalidValue("nack range")))
    out.append(Malformed(name: "nack without ranges", bytes: rawNack([]), error: .invalidValue("range count")))
    out.append(Malformed(name: "nack with 17 ranges", bytes: rawNack(Array(repeating: (1, 1), count: 17)),
                         error: .invalidValue("range count")))
    out.append(Malformed(name: "inverted reconcile range", bytes: rawReconcile([(9, 5)]), error: .invalidValue("reconcile range")))
    out.append(Malformed(name: "reconcile range from counter 0", bytes: rawReconcile([(0, 5)]),
                         error: .invalidValue("reconcile range")))
    out.append(Malformed(name: "reconcile range spanning 4097 counters", bytes: rawReconcile([(1, 1 + WireLimits.maxReconcileSpan)]),
                         error: .invalidValue("reconcile range")))
    out.append(Malformed(name: "reconcile without ranges", bytes: rawReconcile([]), error: .invalidValue("range count")))
    out.append(Malformed(name: "reconcile with 17 ranges", bytes: rawReconcile(Array(repeating: (1, 1), count: 17)),
                         error: .invalidValue("range count")))
    return out
}()

@Suite("WireCodec: malformed datagrams")
struct WireCodecRejectionTests {
    @Test("each malformed datagram is rejected with the right WireError", arguments: malformedCorpus)
    func rejected(_ c: Malformed) {
        #expect(throws: c.error) { try WireCodec.decode(c.bytes) }
    }

    @Test("the hand-written range encoders produce valid packets when the ranges are valid")
    func rawEncodersAreSound() throws {
        let n = try WireCodec.decode(rawNack([(1, 2), (5, 5 + WireLimits.maxNackSpan - 1)]))
        #expect(n.body == .nack(Nack(ring: ring1, ranges: [1...2, 5...(5 + WireLimits.maxNackSpan - 1)])))
        let r = try WireCodec.decode(rawReconcile([(1, WireLimits.maxReconcileSpan)]))
        #expect(r.body == .reconcileRequest(ReconcileRequest(
            target: nodeA, ranges: [StreamRange(stream: StreamID(origin: nodeC, incarnation: 3), counters: 1...WireLimits.maxReconcileSpan)])))
        let sixteen = try WireCodec.decode(rawNack(Array(repeating: (1, 1), count: WireLimits.maxRanges)))
        guard case .nack(let nack) = sixteen.body else { Issue.record("not a nack"); return }
        #expect(nack.ranges.count == WireLimits.maxRanges)
    }

    @Test("the patch offsets used above point at the intended fields")
    func offsetsAreRight() throws {
        // Patching in valid values at those offsets must still decode, to
        // the value written.
        let action = try WireCodec.decode(patched(encoded(data(okMessage)), at: messageKindOffset, [1]))
        guard case .data(let d) = action.body else { Issue.record("not data"); return }
        #expect(d.messages.first?.kind == .action)
        let renamed = try WireCodec.decode(patched(encoded(data(okMessage)), at: messageNickOffset, Array("eve".utf8)))
        guard case .data(let d2) = renamed.body else { Issue.record("not data"); return }
        #expect(d2.messages.first?.nick == "eve")
        let hb = try WireCodec.decode(patched(encoded(heartbeat(nick: "xxx")), at: heartbeatNickOffset, Array("é!".utf8)))
        guard case .heartbeat(let h) = hb.body else { Issue.record("not a heartbeat"); return }
        #expect(h.nick == "é!")
    }
}
