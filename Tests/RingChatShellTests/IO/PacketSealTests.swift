import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct PacketSealTests {
    static let alice = NodeID(0xA11CE)

    func datagram(counter: UInt64, incarnation: UInt32 = 1, sender: NodeID = alice) -> [UInt8] {
        WireCodec.encode(Packet(sender: sender, incarnation: incarnation, counter: counter,
                                body: .tokenRequest(TokenRequest(ring: nil, queued: 3))))
    }

    @Test func aSealedDatagramOpensToTheSameBytesAndHidesTheBody() throws {
        let key = GroupKey.generate()
        let plain = datagram(counter: 1)
        let sealed = PacketSeal(key: key).seal(plain)
        #expect(sealed.count == plain.count + PacketSeal.nonceBytes + PacketSeal.tagBytes)
        #expect(sealed[PacketSeal.flagsOffset] & PacketSeal.sealedFlag != 0)
        #expect(Array(sealed[WireLimits.headerBytes...]) != Array(plain[WireLimits.headerBytes...]))
        #expect(throws: WireError.self) { try WireCodec.decode(sealed) }
        let opened = try PacketSeal(key: key).open(sealed).get()
        #expect(opened == plain)
        #expect(try WireCodec.decode(opened).counter == 1)
    }

    @Test func twoSealsOfOnePacketDiffer() {
        let seal = PacketSeal(key: GroupKey.generate())
        #expect(seal.seal(datagram(counter: 1)) != seal.seal(datagram(counter: 1)), "a fresh nonce each packet")
    }

    @Test func anotherKeyFailsAuthentication() {
        let sealed = PacketSeal(key: GroupKey.generate()).seal(datagram(counter: 1))
        #expect(PacketSeal(key: GroupKey.generate()).open(sealed) == .failure(.authenticationFailed))
    }

    /// Every single flipped bit, in the header (authenticated data), the
    /// nonce, the ciphertext or the tag, is caught.
    @Test func anyFlippedBitFailsAuthentication() {
        let key = GroupKey.generate()
        let sealed = PacketSeal(key: key).seal(datagram(counter: 7))
        for i in sealed.indices where i != PacketSeal.flagsOffset && i > 1 {
            for bit in 0..<8 {
                var bad = sealed
                bad[i] ^= 1 << bit
                let r = PacketSeal(key: key).open(bad)
                #expect(r == .failure(.authenticationFailed), "byte \(i) bit \(bit): \(r)")
            }
        }
        #expect(PacketSeal(key: key).open(Array(sealed.dropLast())) == .failure(.authenticationFailed))
        #expect(PacketSeal(key: key).open(Array(sealed.prefix(WireLimits.headerBytes + 3))) == .failure(.authenticationFailed))
    }

    @Test func aReplayedDatagramIsRejected() {
        let key = GroupKey.generate()
        let sender = PacketSeal(key: key), receiver = PacketSeal(key: key)
        let first = sender.seal(datagram(counter: 5)), second = sender.seal(datagram(counter: 6))
        #expect(receiver.open(second).isSuccess)
        #expect(receiver.open(first).isSuccess, "reordered, not replayed")
        #expect(receiver.open(first) == .failure(.replayed))
        #expect(receiver.open(second) == .failure(.replayed))
        // A new incarnation starts a new window; the old one is then stale.
        #expect(receiver.open(sender.seal(datagram(counter: 1, incarnation: 2))).isSuccess)
        #expect(receiver.open(sender.seal(datagram(counter: 99, incarnation: 1))) == .failure(.replayed))
    }

    @Test func keyedAndOpenNodesTellEachOtherApart() {
        let plain = datagram(counter: 1)
        let sealed = PacketSeal(key: GroupKey.generate()).seal(plain)
        #expect(PacketSeal(key: GroupKey.generate()).open(plain) == .failure(.unsealed))
        #expect(PacketSeal(key: nil).open(sealed) == .failure(.sealedWithoutKey))
        #expect(PacketSeal(key: nil).open(plain) == .success(plain))
        #expect(PacketSeal(key: nil).seal(plain) == plain)
    }

    @Test(arguments: [[], [0x52], Array("{\"type\":\"chat\"}".utf8), [UInt8](repeating: 0xFF, count: 40)])
    func foreignTrafficIsLeftToTheDecoderToCount(bytes: [UInt8]) {
        #expect(PacketSeal(key: GroupKey.generate()).open(bytes) == .success(bytes))
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
