import Testing
@testable import RingChatCore

/// `WireHeader` owns the header layout: what the codec writes is where the
/// header type (and, through it, the host, the seal and the kernel filter)
/// reads it.
@Suite("Wire header")
struct WireHeaderTests {
    @Test("the codec writes every field where WireHeader says it is", arguments: PacketKind.allCases)
    func codecMatchesLayout(kind: PacketKind) throws {
        for seed in 1...20 as ClosedRange<UInt64> {
            let p = kind.packet(seed: seed)
            let bytes = WireCodec.encode(p)
            let h = try #require(WireHeader.peek(bytes))
            #expect(h.version == WireHeader.version)
            #expect(h.flags == 0)
            #expect(h.sender == p.sender && h.incarnation == p.incarnation && h.counter == p.counter)
            #expect(WireHeader.sender(of: bytes) == p.sender)
            #expect(WireHeader.kind(of: bytes) == h.kind)
            #expect(bytes[WireHeader.magicOffset] == 0x52 && bytes[WireHeader.magicOffset + 1] == 0x43)
            #expect(UInt16(bytes[WireHeader.magicOffset]) << 8 | UInt16(bytes[WireHeader.magicOffset + 1]) == WireHeader.magicWord)
            // The sender's bytes, big-endian, at the offset the kernel filter is given.
            let s = bytes[WireHeader.senderOffset..<(WireHeader.senderOffset + WireHeader.senderBytes)]
            #expect(s.reduce(0) { $0 << 8 | UInt64($1) } == p.sender.raw)
            // A packet's kind is what `tokenRing` reads.
            #expect((WireCodec.tokenRing(bytes) != nil) == (kind == .token))
        }
    }

    @Test("the fields tile the header without gaps or overlap")
    func layoutIsContiguous() {
        #expect(WireHeader.magicOffset == 0)
        #expect(WireHeader.versionOffset == WireHeader.magicOffset + 2)
        #expect(WireHeader.kindOffset == WireHeader.versionOffset + 1)
        #expect(WireHeader.flagsOffset == WireHeader.kindOffset + 1)
        #expect(WireHeader.senderOffset == WireHeader.flagsOffset + 1)
        #expect(WireHeader.incarnationOffset == WireHeader.senderOffset + WireHeader.senderBytes)
        #expect(WireHeader.counterOffset == WireHeader.incarnationOffset + 4)
        #expect(WireHeader.size == WireHeader.counterOffset + 8)
        #expect(WireLimits.headerBytes == WireHeader.size)
    }

    @Test("too short or without the magic: no header", arguments: [
        [], [0x52, 0x43, 1], Array(repeating: 0, count: 40), [0x43, 0x52] + Array(repeating: 1, count: 30),
    ] as [[UInt8]])
    func notAHeader(bytes: [UInt8]) {
        #expect(WireHeader.peek(bytes) == nil)
        #expect(WireHeader.sender(of: bytes) == nil)
        #expect(WireHeader.kind(of: bytes) == nil)
        #expect(!WireHeader.isRingChat(bytes))
    }

    @Test("peek reads a header in a slice that does not start at 0")
    func slices() {
        let p = PacketKind.heartbeat.packet(seed: 3)
        let bytes = [9, 9, 9] + WireCodec.encode(p)
        #expect(WireHeader.sender(of: bytes[3...]) == p.sender)
        #expect(WireHeader.peek(bytes[3...])?.counter == p.counter)
    }
}
