import Crypto
import Foundation
import RingChatCore

/// The seal of a private message (docs/SECURITY.md, "Private messages").
///
/// The text of a `MessageKind.private` message is, in base64:
///
///     sender key (32) | recipient key (32) | nonce (12) | ciphertext | tag (16)
///
/// sealed with ChaCha20-Poly1305 under HKDF-SHA256 of the two ends' X25519
/// agreement (salt: both public keys, sender's first), authenticating the
/// sender's and recipient's node ids, so that the bytes cannot be replayed
/// under another sender or to another recipient. Both keys travel with the
/// message, so either end opens it on its own, even when the other end is
/// gone (a message kept for a recipient who was away). The ring carries it
/// like any line: every replica stores these bytes, and only the two ends
/// can read them. An eavesdropper or a third member learns who wrote to
/// whom, when, and about how long.
public enum PrivateSeal {
    /// Bytes the seal adds to the plaintext before base64.
    public static let overhead = 32 + 32 + 12 + 16
    /// The longest plaintext that fits `WireLimits.maxSealedTextBytes`.
    public static let maxPlainBytes = (WireLimits.maxSealedTextBytes / 4) * 3 - overhead

    /// `text` sealed from `me` (`sender`) for `recipientKey` (`recipient`).
    public static func seal(_ text: String, from me: IdentityKey, sender: NodeID, to recipientKey: [UInt8],
                            recipient: NodeID) throws(PrivateSealError) -> String {
        guard text.utf8.count <= maxPlainBytes else { throw .tooLong(text.utf8.count) }
        guard let key = symmetricKey(me: me, peerKey: recipientKey, senderKey: me.publicKey, recipientKey: recipientKey)
        else { throw .badKey }
        do {
            let box = try ChaChaPoly.seal(Data(text.utf8), using: key, authenticating: header(sender, recipient))
            var out = me.publicKey + recipientKey
            out += box.nonce.withUnsafeBytes { Array($0) }
            out += box.ciphertext
            out += box.tag
            return Data(out).base64EncodedString()
        } catch {
            throw .badKey
        }
    }

    /// What `open` found.
    public struct Opened: Sendable, Hashable {
        public var text: String
        /// The sender's public key as the message carries it (checked by
        /// the caller against the key it knows: trust on first use).
        public var senderKey: [UInt8]
        public var recipientKey: [UInt8]
    }

    /// The plaintext of `sealed`, sent by `sender` to `recipient`, if `me`
    /// is one of its two ends and it is intact; nil otherwise (a third
    /// node, a forgery, a mangled text).
    public static func open(_ sealed: String, me: IdentityKey, sender: NodeID, recipient: NodeID) -> Opened? {
        guard let data = Data(base64Encoded: sealed), data.count >= overhead else { return nil }
        let bytes = Array(data)
        let senderKey = Array(bytes[0..<32]), recipientKey = Array(bytes[32..<64])
        let peerKey: [UInt8]
        if me.publicKey == recipientKey { peerKey = senderKey }
        else if me.publicKey == senderKey { peerKey = recipientKey }
        else { return nil }
        guard let key = symmetricKey(me: me, peerKey: peerKey, senderKey: senderKey, recipientKey: recipientKey),
              let nonce = try? ChaChaPoly.Nonce(data: bytes[64..<76]),
              let box = try? ChaChaPoly.SealedBox(nonce: nonce, ciphertext: bytes[76..<(bytes.count - 16)],
                                                  tag: bytes[(bytes.count - 16)...]),
              let plain = try? ChaChaPoly.open(box, using: key, authenticating: header(sender, recipient)),
              let text = String(validating: Array(plain), as: UTF8.self) else { return nil }
        return Opened(text: text, senderKey: senderKey, recipientKey: recipientKey)
    }

    private static func symmetricKey(me: IdentityKey, peerKey: [UInt8], senderKey: [UInt8],
                                     recipientKey: [UInt8]) -> SymmetricKey? {
        guard let secret = me.agree(with: peerKey) else { return nil }
        return secret.hkdfDerivedSymmetricKey(using: SHA256.self, salt: senderKey + recipientKey,
                                              sharedInfo: Array("ringchat private message v1".utf8), outputByteCount: 32)
    }

    private static func header(_ sender: NodeID, _ recipient: NodeID) -> [UInt8] {
        var h: [UInt8] = Array("ringchat-pm".utf8)
        for v in [sender.raw, recipient.raw] { for s in stride(from: 56, through: 0, by: -8) { h.append(UInt8(truncatingIfNeeded: v >> UInt64(s))) } }
        return h
    }
}

public enum PrivateSealError: Error, CustomStringConvertible, Sendable, Equatable {
    case tooLong(Int)
    case badKey

    public var description: String {
        switch self {
        case .tooLong(let n): "private message too long (\(n) bytes, at most \(PrivateSeal.maxPlainBytes))"
        case .badKey: "the recipient's key is not a valid X25519 key"
        }
    }
}
