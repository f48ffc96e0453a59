import Testing
@testable import RingChatCore

/// Decoding arbitrary bytes never traps: it throws a `WireError`, or it
/// yields a packet that encodes back to exactly the same bytes (the codec
/// has one encoding per packet, so nothing a peer sends is read two ways).
@Suite("WireCodec: random and mutated datagrams")
struct WireCodecFuzzTests {
    /// Returns true when the bytes decoded (and re-encoded identically).
    @discardableResult
    private func check(_ bytes: [UInt8], _ label: String) -> Bool {
        do {
            let p = try WireCodec.decode(bytes)
            #expect(WireCodec.encode(p) == bytes, "\(label): decoded but re-encodes differently")
            return true
        } catch {
            return false // typed throws: this is a WireError
        }
    }

    @Test("4000 random byte strings (SplitMix64) are rejected or round-trip exactly")
    func randomBytes() {
        var g = SplitMix64(seed: 0xF022)
        var accepted = 0
        for i in 0..<4_000 {
            let n = g.int(0...96)
            var bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            // Three in four get a plausible header, so the body decoders are
            // exercised too, not only the magic check.
            if i % 4 != 0, bytes.count >= 5 {
                bytes[0] = WireLimits.magic.0
                bytes[1] = WireLimits.magic.1
                bytes[2] = WireLimits.version
                bytes[3] = UInt8(1 + g.below(7))
                bytes[4] = 0
            }
            // One in eight: a token request of the right length with "no
            // ring", which random bytes alone almost never hit now that
            // every body has a presence byte.
            if i % 8 == 1 {
                bytes = Array((bytes + [UInt8](repeating: 0, count: 30)).prefix(30))
                bytes[0] = WireLimits.magic.0
                bytes[1] = WireLimits.magic.1
                bytes[2] = WireLimits.version
                bytes[3] = 4
                bytes[4] = 0
                bytes[WireLimits.headerBytes] = 0
            }
            if check(bytes, "random #\(i)") { accepted += 1 }
        }
        // The forced token requests decode; the test must have exercised
        // the success path.
        #expect(accepted > 0)
    }

    @Test("every single-byte mutation of valid packets is rejected or round-trips exactly",
          arguments: PacketKind.allCases)
    func mutations(kind: PacketKind) {
        var g = SplitMix64(seed: 77)
        for seed in 1...3 as ClosedRange<UInt64> {
            let bytes = WireCodec.encode(kind.packet(seed: seed))
            for offset in 0..<min(bytes.count, 400) {
                for _ in 0..<3 {
                    var b = bytes
                    b[offset] ^= UInt8(truncatingIfNeeded: 1 + g.below(255))
                    check(b, "\(kind) seed \(seed) byte \(offset) = \(b[offset])")
                }
            }
        }
    }

    @Test("valid packets with random bytes appended are rejected as trailing bytes", arguments: PacketKind.allCases)
    func appended(kind: PacketKind) {
        var g = SplitMix64(seed: 5)
        for seed in 1...4 as ClosedRange<UInt64> {
            let bytes = WireCodec.encode(kind.packet(seed: seed))
            let extra = (0..<g.int(1...20)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            #expect(throws: WireError.trailingBytes(extra.count)) { try WireCodec.decode(bytes + extra) }
        }
    }
}
