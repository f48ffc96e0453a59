import Testing
@testable import RingChatCore

/// A data batch's messages leave out what they share with the one before
/// (`MessageShape`): what a holder sends shrinks, and a receiver rebuilds
/// exactly what was sent or refuses the datagram.
@Suite("WireCodec: message shapes")
struct WireMessageShapeTests {
    /// A holder's batch: one ring, one stream, consecutive counters and
    /// seqs, one nick, one room, one millisecond.
    private func holderBatch(_ n: Int, text: String = String(repeating: "x", count: 100)) -> [ChatMessage] {
        (0..<n).map { i in chat(msgID(nodeB, 1, UInt32(7 + i)), ring: ringID(3), seq: UInt64(40 + i), text: text) }
    }

    private func roundTrip(_ ms: [ChatMessage]) throws -> (sent: [UInt8], back: [ChatMessage]) {
        let bytes = WireCodec.encode(packet(from: nodeB, .data(DataBatch(retransmission: false, messages: ms))))
        guard case .data(let d) = try WireCodec.decode(bytes).body else {
            Issue.record("not a data packet")
            return (bytes, [])
        }
        return (bytes, d.messages)
    }

    @Test("a holder's batch carries each field once: every line after the first costs shape, kind and text")
    func holderBatchIsCompact() throws {
        let ms = holderBatch(10)
        let (bytes, back) = try roundTrip(ms)
        #expect(back == ms)
        #expect(MessageShape(ms[1], after: ms[0]) == [])
        // shape(1) + kind(1) + text length(2) + text(100)
        #expect(WireCodec.encodedSize(of: ms[1], after: ms[0]) == 104)
        let first = WireCodec.encodedSize(of: ms[0])
        #expect(bytes.count == WireCodec.dataOverhead + first + 9 * 104)
        // ...so a 1,400-byte datagram takes 12 such lines, not the 8 it took
        // when every line carried every field (160 bytes each).
        #expect((1_400 - WireCodec.dataOverhead - first) / 104 + 1 == 12)
    }

    @Test("messages that differ from the one before in any field survive the round trip", arguments: 1...40 as ClosedRange<UInt64>)
    func mixedBatches(seed: UInt64) throws {
        var g = SplitMix64(seed: seed)
        var ms = [g.message()]
        for _ in 0..<g.int(1...30) {
            // Mostly the previous line's successor, with some fields changed.
            var m = ms.last!
            m.id.counter = m.id.counter == .max ? 1 : m.id.counter + 1
            m.slot.seq = m.slot.seq == .max ? 1 : m.slot.seq + 1
            m.text = g.bool() ? "a line" : ""
            if g.int(0...4) == 0 { m = g.message() }
            if g.int(0...5) == 0 { m.slot.ring = g.ring() }
            if g.int(0...5) == 0 { m.id.origin = g.nodeID() }
            if g.int(0...5) == 0 { m.id.incarnation = g.u32() }
            if g.int(0...5) == 0 { m.id.counter = max(1, g.u32()) }
            if g.int(0...5) == 0 { m.slot.seq = max(1, g.next()) }
            if g.int(0...3) == 0 { m.timestamp &+= Int64(g.int(-5...5)) }
            if g.int(0...5) == 0, m.kind != .private { m.room = g.room() }
            if g.int(0...5) == 0 { m.nick = g.string(maxBytes: WireLimits.maxNickBytes) }
            ms.append(m)
        }
        let (bytes, back) = try roundTrip(ms)
        #expect(back == ms)
        let sizes = ms.indices.map { $0 == 0 ? WireCodec.encodedSize(of: ms[0]) : WireCodec.encodedSize(of: ms[$0], after: ms[$0 - 1]) }
        #expect(bytes.count == WireCodec.dataOverhead + sizes.reduce(0, +))
    }

    @Test("a counter or seq at its maximum is followed by one written out, never one that wraps")
    func noWrap() throws {
        var ms = holderBatch(2)
        ms[0].id.counter = .max
        ms[1].id.counter = 1
        ms[0].slot.seq = .max
        ms[1].slot.seq = 1
        #expect(MessageShape(ms[1], after: ms[0]) == [.counter, .seq])
        #expect(try roundTrip(ms).back == ms)
    }

    // Offsets in a datagram of `holderBatch`: the first message's shape
    // byte, then its counter and seq (after ring and stream).
    private let shape0 = WireLimits.headerBytes + 3
    private var counter0: Int { shape0 + 1 + 20 + 12 }
    private var seq0: Int { counter0 + 4 }

    private func decodeError(_ bytes: [UInt8]) -> WireError? {
        do {
            _ = try WireCodec.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test("a first message that leaves a field out, or a shape bit no field owns, is refused", arguments: [
        MessageShape.all.rawValue & ~MessageShape.ring.rawValue, MessageShape.all.rawValue & ~MessageShape.nick.rawValue,
        0, MessageShape.all.rawValue | 0x80,
    ])
    func badFirstShape(shape: UInt8) {
        var bytes = WireCodec.encode(packet(from: nodeB, .data(DataBatch(retransmission: false, messages: holderBatch(2)))))
        bytes[shape0] = shape
        #expect(decodeError(bytes) == .invalidValue("message shape"))
    }

    @Test("a later message with a shape bit no field owns is refused")
    func badLaterShape() {
        let ms = holderBatch(2)
        var bytes = WireCodec.encode(packet(from: nodeB, .data(DataBatch(retransmission: false, messages: ms))))
        let second = shape0 + WireCodec.encodedSize(of: ms[0])
        #expect(bytes[second] == 0)
        bytes[second] = 0x80
        #expect(decodeError(bytes) == .invalidValue("message shape"))
    }

    @Test("an implied counter or seq past the maximum is refused")
    func impliedOverflow() {
        let bytes = WireCodec.encode(packet(from: nodeB, .data(DataBatch(retransmission: false, messages: holderBatch(2)))))
        var counter = bytes
        counter.replaceSubrange(counter0..<(counter0 + 4), with: [0xff, 0xff, 0xff, 0xff])
        #expect(decodeError(counter) == .invalidValue("message counter"))
        var seq = bytes
        seq.replaceSubrange(seq0..<(seq0 + 8), with: Array(repeating: 0xff, count: 8))
        #expect(decodeError(seq) == .invalidValue("seq"))
    }

    @Test("a node packs 100-byte lines 12 to a datagram, each datagram within the budget")
    func nodePacksTwelve() throws {
        let b = Node(id: nodeB, incarnation: 1, nick: "bob", config: NodeConfig(), seed: 2, now: .zero)
        let ms = holderBatch(24).enumerated().map { i, m in
            var m = m
            m.id.counter = UInt32(i + 1)
            return m
        }
        for m in ms { _ = b.log.insert(m, delivered: true) }
        // A peer asks for the lines again: the node re-sends them packed.
        let effects = b.handle(.packet(packet(from: nodeA, .reconcileRequest(ReconcileRequest(target: nodeB,
                               ranges: [StreamRange(stream: StreamID(origin: nodeB, incarnation: 1), counters: 1...24)])))),
                               now: .milliseconds(1))
        let datagrams = effects.sentPackets.filter { if case .data = $0.body { true } else { false } }
        let counts = datagrams.map { p -> Int in if case .data(let d) = p.body { d.messages.count } else { 0 } }
        #expect(counts == [12, 12])
        #expect(datagrams.allSatisfy { WireCodec.encode($0).count <= NodeConfig().maxDatagram })
        let resent = datagrams.flatMap { p -> [ChatMessage] in if case .data(let d) = p.body { d.messages } else { [] } }
        #expect(resent == ms)
    }
}
