import RingChatCore

/// A simulated node's identity key: the simulator has no crypto (it imports
/// Core only), so X25519 is played by a toy Diffie-Hellman in the
/// multiplicative group modulo the prime 2^61 - 1. What matters is its
/// shape, not its strength: each node keeps a secret, announces only its
/// public value (as the 32-byte identity of its heartbeats), and the key of
/// a pair is computable from one end's secret and the other's public value,
/// never from the two public values alone.
struct SimIdentity: Sendable, Hashable {
    static let p: UInt64 = (1 << 61) - 1
    static let g: UInt64 = 37

    let secret: UInt64
    let publicValue: UInt64

    init(secret raw: UInt64) {
        secret = 2 + raw % (Self.p - 3)
        publicValue = Self.power(Self.g, secret)
    }

    /// What heartbeats announce (`Node.Input.announce`): the public value,
    /// little-endian, then 24 bytes that only pad it to an X25519 key's size.
    var announced: [UInt8] { Self.announced(publicValue) }

    static func announced(_ publicValue: UInt64) -> [UInt8] {
        var out = (0..<8).map { UInt8(truncatingIfNeeded: publicValue >> (8 * $0)) }
        var filler = SplitMix64(seed: publicValue)
        while out.count < WireLimits.identityKeyBytes { out.append(UInt8(truncatingIfNeeded: filler.next())) }
        return out
    }

    /// The public value in an announced identity (nil unless 32 bytes).
    static func publicValue(of identity: [UInt8]) -> UInt64? {
        guard identity.count == WireLimits.identityKeyBytes else { return nil }
        return (0..<8).reduce(UInt64(0)) { $0 | UInt64(identity[$1]) << (8 * $1) }
    }

    /// The key this node shares with the owner of `peer`.
    func shared(with peer: UInt64) -> UInt64 { Self.power(peer % Self.p, secret) }

    static func multiply(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let (hi, lo) = a.multipliedFullWidth(by: b)
        // 2^61 = 1 (mod p): fold the bits above 61 onto the low ones.
        var r = ((hi << 3) | (lo >> 61)) + (lo & p)
        r = (r & p) + (r >> 61)
        return r >= p ? r - p : r
    }

    static func power(_ base: UInt64, _ exponent: UInt64) -> UInt64 {
        var result: UInt64 = 1, b = base, e = exponent
        while e > 0 {
            if e & 1 == 1 { result = multiply(result, b) }
            b = multiply(b, b)
            e >>= 1
        }
        return result
    }
}

/// The sealed text of a simulated private message: the sender's and the
/// recipient's public values (as `PrivateSeal` carries both keys), a nonce,
/// the plaintext XOR-ed with a key stream drawn from the pair's key and the
/// nonce, and a tag; all in lowercase hex, so the box never holds the
/// plaintext. Only the two ends can open it: each computes the pair's key
/// from its own secret and the other's public value. Standing in for
/// `PrivateSeal` (ChaCha20-Poly1305 under an X25519-agreed key, in base64),
/// it is opaque to every other node and to the replicas in the same way.
enum SimSeal {
    static func seal(_ plaintext: String, from sender: SimIdentity, to recipient: UInt64, nonce: UInt64) -> String {
        let key = sender.shared(with: recipient)
        let body = crypt(Array(plaintext.utf8), key: key, nonce: nonce)
        return hex(sender.publicValue) + hex(recipient) + hex(nonce) + body.map(hexByte).joined()
            + hex(tag(Array(plaintext.utf8), key: key, nonce: nonce))
    }

    /// The plaintext and the sender's public value, if `me` is an end of
    /// the box (its sender or its recipient). Nil for anyone else, or for a
    /// box that was changed.
    static func open(_ box: String, as me: SimIdentity) -> (text: String, sender: UInt64)? {
        let u = Array(box.utf8)
        guard u.count >= 64, u.count % 2 == 0, let sender = word(u[0..<16]), let recipient = word(u[16..<32]),
              let nonce = word(u[32..<48]), let tagged = word(u[(u.count - 16)...]) else { return nil }
        let peer: UInt64
        if me.publicValue == sender {
            peer = recipient
        } else if me.publicValue == recipient {
            peer = sender
        } else {
            return nil
        }
        var body: [UInt8] = []
        var k = 48
        while k < u.count - 16 {
            guard let b = word(u[k..<(k + 2)]) else { return nil }
            body.append(UInt8(b))
            k += 2
        }
        let key = me.shared(with: peer)
        let plain = crypt(body, key: key, nonce: nonce)
        guard tag(plain, key: key, nonce: nonce) == tagged else { return nil }
        return (String(decoding: plain, as: UTF8.self), sender)
    }

    private static func crypt(_ bytes: [UInt8], key: UInt64, nonce: UInt64) -> [UInt8] {
        var stream = SplitMix64(seed: SplitMix64.mix(key) ^ nonce)
        var out = bytes
        var word: UInt64 = 0
        for i in out.indices {
            if i % 8 == 0 { word = stream.next() }
            out[i] ^= UInt8(truncatingIfNeeded: word >> (8 * UInt64(i % 8)))
        }
        return out
    }

    private static func tag(_ plain: [UInt8], key: UInt64, nonce: UInt64) -> UInt64 {
        var h = FNV1a()
        h.add(key)
        h.add(nonce)
        h.add(plain)
        return SplitMix64.mix(h.value ^ key)
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hexByte(_ b: UInt8) -> String {
        String(decoding: [digits[Int(b >> 4)], digits[Int(b & 0xf)]], as: UTF8.self)
    }

    private static func hex(_ v: UInt64) -> String {
        (0..<8).map { hexByte(UInt8(truncatingIfNeeded: v >> (8 * (7 - UInt64($0))))) }.joined()
    }

    private static func word(_ s: ArraySlice<UInt8>) -> UInt64? {
        var v: UInt64 = 0
        for c in s {
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            default: return nil
            }
            v = v << 4 | UInt64(d)
        }
        return v
    }
}
