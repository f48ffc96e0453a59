import Foundation
import Testing
import RingChatCore
@testable import RingChatIO

@Suite struct PrivateSealTests {
    let alice = IdentityKey.generate(), bob = IdentityKey.generate(), carol = IdentityKey.generate()
    let a = NodeID(0xa1), b = NodeID(0xb2), c = NodeID(0xc3)

    @Test(arguments: ["hi", "zoë 🎉", "the spare key is under the mat", String(repeating: "x", count: PrivateSeal.maxPlainBytes)])
    func bothEndsOpenWhatIsSealed(text: String) throws {
        let sealed = try PrivateSeal.seal(text, from: alice, sender: a, to: bob.publicKey, recipient: b)
        #expect(sealed.utf8.count <= WireLimits.maxSealedTextBytes)
        #expect(PrivateSeal.open(sealed, me: bob, sender: a, recipient: b)?.text == text)
        #expect(PrivateSeal.open(sealed, me: alice, sender: a, recipient: b)?.text == text)
        #expect(PrivateSeal.open(sealed, me: bob, sender: a, recipient: b)?.senderKey == alice.publicKey)
        // Not readable in the sealed form. Only a probe of 8 characters
        // means anything: a shorter one turns up by chance in random base64
        // ("hi" in about 3% of seals, which failed a CI run).
        if text.count >= 8 { #expect(!sealed.contains(text.prefix(8))) }
    }

    @Test func aThirdNodeCannotOpenIt() throws {
        let sealed = try PrivateSeal.seal("secret", from: alice, sender: a, to: bob.publicKey, recipient: b)
        #expect(PrivateSeal.open(sealed, me: carol, sender: a, recipient: b) == nil)
    }

    /// The ids are authenticated: the same bytes under another sender or
    /// to another recipient (a replay by a third member) do not open.
    @Test func theBytesAreBoundToTheirSenderAndRecipient() throws {
        let sealed = try PrivateSeal.seal("secret", from: alice, sender: a, to: bob.publicKey, recipient: b)
        #expect(PrivateSeal.open(sealed, me: bob, sender: c, recipient: b) == nil)
        #expect(PrivateSeal.open(sealed, me: bob, sender: a, recipient: c) == nil)
    }

    @Test(arguments: [0, 10, 40, 70, 90])
    func aMangledByteIsRefused(at offset: Int) throws {
        let sealed = try PrivateSeal.seal("secret text", from: alice, sender: a, to: bob.publicKey, recipient: b)
        var bytes = Array(Data(base64Encoded: sealed)!)
        bytes[offset % bytes.count] ^= 0x01
        #expect(PrivateSeal.open(Data(bytes).base64EncodedString(), me: bob, sender: a, recipient: b) == nil)
    }

    @Test(arguments: ["", "not base64!", "AAAA"])
    func garbageIsRefused(text: String) {
        #expect(PrivateSeal.open(text, me: bob, sender: a, recipient: b) == nil)
    }

    @Test func aTooLongTextIsRefused() {
        #expect(throws: PrivateSealError.tooLong(PrivateSeal.maxPlainBytes + 1)) {
            try PrivateSeal.seal(String(repeating: "x", count: PrivateSeal.maxPlainBytes + 1), from: alice, sender: a,
                                 to: bob.publicKey, recipient: b)
        }
    }

    @Test func aFingerprintIsStableAndShort() {
        let f = IdentityKey.fingerprint(of: alice.publicKey)
        #expect(f == IdentityKey.fingerprint(of: alice.publicKey))
        #expect(f != IdentityKey.fingerprint(of: bob.publicKey))
        #expect(f.count == 24)  // five groups of four hex digits
    }
}
