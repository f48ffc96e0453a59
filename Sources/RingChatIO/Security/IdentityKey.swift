import Crypto
import Foundation

/// A node's long-term identity for private messages: an X25519 key pair,
/// made on first start and kept in the state dir (`IdentityFile`). Its
/// public half travels in every heartbeat; a private message is sealed
/// under the key the two ends agree from their pairs (`PrivateSeal`).
public struct IdentityKey: Sendable {
    /// The 32 private bytes (the Crypto key type is not Sendable).
    package let privateBytes: [UInt8]
    /// The 32 public bytes, as announced.
    public let publicKey: [UInt8]

    public init(privateBytes: [UInt8]) throws(IdentityKeyError) {
        guard privateBytes.count == 32,
              let k = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateBytes) else {
            throw IdentityKeyError("an identity key is 32 bytes; this one has \(privateBytes.count)")
        }
        self.privateBytes = privateBytes
        publicKey = Array(k.publicKey.rawRepresentation)
    }

    /// A fresh pair from the system's random source.
    public static func generate() -> IdentityKey {
        // 32 bytes by construction.
        try! IdentityKey(privateBytes: Array(Curve25519.KeyAgreement.PrivateKey().rawRepresentation))
    }

    /// The shared secret with `peerKey`'s owner (the same at both ends).
    func agree(with peerKey: [UInt8]) -> SharedSecret? {
        guard let mine = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: privateBytes),
              let theirs = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: peerKey) else { return nil }
        return try? mine.sharedSecretFromKeyAgreement(with: theirs)
    }

    /// What people compare to check a key out of band (`/whois`): the
    /// first 10 bytes of its SHA-256 in groups of two, `3f2a 91c0 …`.
    public static func fingerprint(of publicKey: [UInt8]) -> String {
        let h = Array(SHA256.hash(data: publicKey).prefix(10))
        return stride(from: 0, to: h.count, by: 2).map { String(format: "%02x%02x", h[$0], h[$0 + 1]) }
            .joined(separator: " ")
    }
}

public struct IdentityKeyError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ m: String) { message = m }
    public var description: String { message }
}
