import Testing
import RingChatCore
@testable import RingChatSimulator

/// The simulator's model of a sealed private message: it must be what the
/// privacy invariant assumes, opaque to everyone but the two ends.
@Suite("SimSeal")
struct SimSealTests {
    let alice = SimIdentity(secret: 0x1111_2222_3333_4444)
    let bob = SimIdentity(secret: 0x5555_6666_7777_8888)
    let carol = SimIdentity(secret: 0x9999_aaaa_bbbb_cccc)
    let plain = "<m0-1 for n1>"

    @Test("the two ends agree on a key no third identity computes")
    func keyAgreement() {
        #expect(alice.shared(with: bob.publicValue) == bob.shared(with: alice.publicValue))
        #expect(carol.shared(with: alice.publicValue) != alice.shared(with: bob.publicValue))
        #expect(carol.shared(with: bob.publicValue) != alice.shared(with: bob.publicValue))
        #expect(Set([alice.publicValue, bob.publicValue, carol.publicValue]).count == 3)
    }

    @Test("the recipient and the sender open the box; a third node does not")
    func onlyTheEndsOpen() {
        let box = SimSeal.seal(plain, from: alice, to: bob.publicValue, nonce: 7)
        #expect(SimSeal.open(box, as: bob)?.text == plain)
        #expect(SimSeal.open(box, as: bob)?.sender == alice.publicValue)
        #expect(SimSeal.open(box, as: alice)?.text == plain)
        #expect(SimSeal.open(box, as: carol) == nil)
    }

    /// A third node that puts its own public value in the recipient's place
    /// still does not have the pair's key: the tag does not match.
    @Test("a box re-addressed to a third node does not open for it")
    func readdressed() {
        let box = SimSeal.seal(plain, from: alice, to: bob.publicValue, nonce: 7)
        let bobHex = String(box.dropFirst(16).prefix(16))
        let carolBox = SimSeal.seal("x", from: carol, to: alice.publicValue, nonce: 1)
        let carolHex = String(carolBox.prefix(16))
        #expect(!bobHex.isEmpty && bobHex != carolHex)
        let forged = String(box.prefix(16)) + carolHex + String(box.dropFirst(32))
        #expect(SimSeal.open(forged, as: carol) == nil)
    }

    @Test("the box is hex: no plaintext, no bracket, and it changes with the nonce and the pair")
    func opaque() {
        let box = SimSeal.seal(plain, from: alice, to: bob.publicValue, nonce: 7)
        #expect(!box.contains(plain))
        #expect(InvariantChecker.brackets(box).isEmpty)
        #expect(box.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) })
        #expect(box != SimSeal.seal(plain, from: alice, to: bob.publicValue, nonce: 8))
        #expect(box != SimSeal.seal(plain, from: alice, to: carol.publicValue, nonce: 7))
        #expect(box.utf8.count <= WireLimits.maxSealedTextBytes)
    }

    @Test("a changed box does not open", arguments: [0, 20, 40, 60, 80])
    func tamperedBox(at k: Int) {
        var u = Array(SimSeal.seal(plain, from: alice, to: bob.publicValue, nonce: 7).utf8)
        u[k] = u[k] == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        #expect(SimSeal.open(String(decoding: u, as: UTF8.self), as: bob) == nil)
    }

    @Test("the announced identity is 32 bytes and carries the public value")
    func announced() {
        #expect(alice.announced.count == WireLimits.identityKeyBytes)
        #expect(SimIdentity.publicValue(of: alice.announced) == alice.publicValue)
        #expect(SimIdentity.publicValue(of: []) == nil)
    }
}
