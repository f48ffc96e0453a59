import Testing
@testable import RingChatCore

@Suite("WireCodec: round trips and truncation")
struct WireCodecRoundTripTests {
    @Test("every packet kind survives encode then decode", arguments: PacketKind.allCases, 1...8 as ClosedRange<UInt64>)
    func roundTrip(kind: PacketKind, seed: UInt64) throws {
        let p = kind.packet(seed: seed)
        let bytes = WireCodec.encode(p)
        #expect(bytes.count <= WireLimits.maxDatagram)
        let back = try WireCodec.decode(bytes)
        #expect(back == p)
        #expect(WireCodec.encode(back) == bytes)
    }

    @Test("the header is the documented 25 bytes: magic, version, kind, flags, sender, incarnation, counter")
    func headerLayout() {
        let p = Packet(sender: NodeID(0x0102_0304_0506_0708), incarnation: 0x0a0b_0c0d, counter: 0x1112_1314_1516_1718,
                       body: .tokenRequest(TokenRequest(ring: nil, queued: 7)))
        let bytes = WireCodec.encode(p)
        #expect(Array(bytes.prefix(WireLimits.headerBytes)) == [
            0x52, 0x43, WireHeader.version, 4, 0,
            1, 2, 3, 4, 5, 6, 7, 8,
            0x0a, 0x0b, 0x0c, 0x0d,
            0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
        ])
        #expect(Array(bytes.dropFirst(WireLimits.headerBytes)) == [0, 0, 0, 0, 7])
    }

    @Test("encodedSize(of:), encodedSize(of:after:) and dataOverhead add up to the real datagram size", arguments: 1...6 as ClosedRange<UInt64>)
    func packedSizeIsExact(seed: UInt64) {
        var g = SplitMix64(seed: seed)
        let ms = (0..<g.int(1...10)).map { _ in g.message() }
        let p = packet(from: nodeA, .data(DataBatch(retransmission: false, messages: ms)))
        let sizes = ms.indices.map { $0 == 0 ? WireCodec.encodedSize(of: ms[0]) : WireCodec.encodedSize(of: ms[$0], after: ms[$0 - 1]) }
        #expect(WireCodec.encode(p).count == WireCodec.dataOverhead + sizes.reduce(0, +))
    }

    @Test("strings at exactly the byte limits are accepted")
    func limitsInclusive() throws {
        let nick = String(repeating: "€", count: 10) + "ab" // 32 bytes
        let text = String(repeating: "😀", count: 250) // 1000 bytes
        #expect(nick.utf8.count == WireLimits.maxNickBytes)
        #expect(text.utf8.count == WireLimits.maxTextBytes)
        let m = chat(msgID(nodeB, 1, 1), ring: ringID(1), seq: 1, text: text, nick: nick)
        let p = packet(from: nodeB, .data(DataBatch(retransmission: true, messages: [m])))
        #expect(try WireCodec.decode(WireCodec.encode(p)) == p)
        let hb = packet(from: nodeB, .heartbeat(Heartbeat(nick: nick, ring: nil, queued: 0, highestEpoch: 0,
                                                          digest: DigestSummary(streams: 0, messages: 0, hash: 0), page: [])))
        #expect(try WireCodec.decode(WireCodec.encode(hb)) == hb)
    }

    @Test("a full data batch of 255 messages round-trips")
    func maximalBatch() throws {
        let ms = (1...UInt32(WireLimits.maxMessagesPerPacket)).map { chat(msgID(nodeB, 1, $0), ring: ringID(3), seq: UInt64($0)) }
        let p = packet(from: nodeB, .data(DataBatch(retransmission: false, messages: ms)))
        #expect(try WireCodec.decode(WireCodec.encode(p)) == p)
    }

    @Test("every truncation of every packet kind is rejected as truncated", arguments: PacketKind.corpus)
    func everyTruncationRejected(p: Packet) {
        let bytes = WireCodec.encode(p)
        for n in 0..<bytes.count {
            #expect(throws: WireError.truncated, "prefix of \(n) of \(bytes.count) bytes") {
                try WireCodec.decode(Array(bytes.prefix(n)))
            }
        }
    }
}

extension Packet: CustomTestStringConvertible {
    public var testDescription: String {
        let kind = switch body {
        case .heartbeat: "heartbeat"
        case .token: "token"
        case .tokenAck: "tokenAck"
        case .tokenRequest: "tokenRequest"
        case .data(let d): "data(\(d.messages.count))"
        case .nack: "nack"
        case .reconcileRequest: "reconcileRequest"
        case .settle: "settle"
        case .leave: "leave"
        }
        return "\(kind) from \(sender) #\(counter)"
    }
}
