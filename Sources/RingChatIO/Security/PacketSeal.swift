import Crypto
import RingChatCore

/// The group-key envelope around every datagram (docs/SECURITY.md).
///
/// A sealed datagram keeps RingChat's header (`WireHeader`) in the clear, with the
/// `sealed` flag set, and replaces the body with a fresh random 12-byte
/// nonce, the ChaCha20-Poly1305 ciphertext of the body and its 16-byte tag.
/// The header is the associated data: sender, incarnation and packet
/// counter are authenticated, so the per-sender replay window can trust
/// them. Opening gives back the plain datagram (flag cleared) for
/// `WireCodec.decode`, which stays the only parser of bodies.
///
/// Without a key, `open` passes plain datagrams through and rejects sealed
/// ones with a reason, so that a node without the key says why it hears
/// nothing instead of counting decode errors.
public final class PacketSeal {
    public static let sealedFlag: UInt8 = 0x01
    static let flagsOffset = WireHeader.flagsOffset
    static let nonceBytes = 12
    static let tagBytes = 16
    /// Largest number of sender incarnations tracked (only authenticated
    /// packets create an entry, so only key holders can fill it).
    static let maxSenders = 4096

    public enum Rejection: String, Error, Sendable, CaseIterable {
        /// The tag does not verify: another key, or tampering.
        case authenticationFailed
        /// A counter already accepted, or older than the window, or an
        /// incarnation older than one already heard.
        case replayed
        /// A plain datagram reaching a keyed node.
        case unsealed
        /// A sealed datagram reaching a node without a key.
        case sealedWithoutKey
    }

    public let key: GroupKey?
    private let symmetricKey: SymmetricKey?
    private var windows: [UInt64: (incarnation: UInt32, window: ReplayWindow)] = [:]

    public init(key: GroupKey?) {
        self.key = key
        symmetricKey = key.map { SymmetricKey(data: $0.bytes) }
    }

    public var isKeyed: Bool { key != nil }

    /// Seals a plain datagram from `WireCodec.encode` (unchanged without a key).
    public func seal(_ plain: [UInt8]) -> [UInt8] {
        guard let key = symmetricKey, plain.count >= WireHeader.size else { return plain }
        var header = Array(plain[0..<WireHeader.size])
        header[Self.flagsOffset] |= Self.sealedFlag
        // A random nonce per packet: 96 bits, so a repeat is out of reach for
        // any number of packets a chat group will ever send under one key.
        let box = try! ChaChaPoly.seal(plain[WireHeader.size...], using: key, authenticating: header)
        var out = header
        out.reserveCapacity(header.count + Self.nonceBytes + box.ciphertext.count + Self.tagBytes)
        out += box.nonce
        out += box.ciphertext
        out += box.tag
        return out
    }

    /// The plain datagram, or why it is refused. Anything that is not
    /// RingChat at all (too short, other magic) is passed through for the
    /// decoder to count as foreign traffic.
    public func open(_ datagram: [UInt8]) -> Result<[UInt8], Rejection> {
        guard WireHeader.isRingChat(datagram) else { return .success(datagram) }
        let sealed = datagram[Self.flagsOffset] & Self.sealedFlag != 0
        guard let key = symmetricKey else { return sealed ? .failure(.sealedWithoutKey) : .success(datagram) }
        guard sealed else { return .failure(.unsealed) }
        let h = WireHeader.size
        guard datagram.count >= h + Self.nonceBytes + Self.tagBytes else { return .failure(.authenticationFailed) }
        let header = datagram[0..<h]
        let body: [UInt8]
        do {
            let nonce = try ChaChaPoly.Nonce(data: datagram[h..<(h + Self.nonceBytes)])
            let box = try ChaChaPoly.SealedBox(nonce: nonce,
                                               ciphertext: datagram[(h + Self.nonceBytes)..<(datagram.count - Self.tagBytes)],
                                               tag: datagram[(datagram.count - Self.tagBytes)...])
            body = Array(try ChaChaPoly.open(box, using: key, authenticating: header))
        } catch {
            return .failure(.authenticationFailed)
        }
        guard fresh(header) else { return .failure(.replayed) }
        var plain = Array(header)
        plain[Self.flagsOffset] &= ~Self.sealedFlag
        plain += body
        return .success(plain)
    }

    /// Records the authenticated (sender, incarnation, counter); false for
    /// a replay.
    private func fresh(_ header: ArraySlice<UInt8>) -> Bool {
        guard let h = WireHeader.peek(header) else { return false }
        let sender = h.sender.raw, incarnation = h.incarnation, counter = h.counter
        if var entry = windows[sender] {
            if incarnation < entry.incarnation { return false }
            if incarnation > entry.incarnation { entry = (incarnation, ReplayWindow()) }
            let ok = entry.window.accept(counter)
            windows[sender] = entry
            return ok
        }
        if windows.count >= Self.maxSenders, let victim = windows.keys.randomElement() { windows[victim] = nil }
        var w = ReplayWindow()
        _ = w.accept(counter)
        windows[sender] = (incarnation, w)
        return true
    }
}

extension PacketSeal.Rejection {
    /// What the node says about datagrams from `source` refused this way.
    public func warning(from source: String) -> String {
        switch self {
        case .authenticationFailed: "packets from \(source) fail authentication: wrong key?"
        case .replayed: "replayed packets from \(source) rejected"
        case .unsealed: "packets from \(source) are not sealed with the group key: a node without --key-file? (ignored)"
        case .sealedWithoutKey: "packets from \(source) are sealed with a group key; this node has none (--key-file): ignored"
        }
    }
}
