/// Hard bounds on everything a peer can make us allocate or display.
/// Decoding rejects anything beyond them; senders never produce it.
public enum WireLimits {
    /// "RC" (`WireHeader`, which owns the header layout).
    public static let magic = WireHeader.magic
    public static let version = WireHeader.version
    /// Largest datagram we accept (and the largest UDP payload on IPv4).
    public static let maxDatagram = 65_507
    /// Nick: UTF-8 bytes.
    public static let maxNickBytes = 32
    /// One chat line: UTF-8 bytes.
    public static let maxTextBytes = 1_000
    /// A private message's sealed text (`MessageKind.private`): a line of
    /// `maxTextBytes` with the sender's key, nonce and tag, in base64.
    public static let maxSealedTextBytes = 1_500
    /// A node's identity key in its heartbeat (X25519, docs/SECURITY.md).
    public static let identityKeyBytes = 32
    public static let maxMessagesPerPacket = 255
    public static let maxDigestPage = 32
    public static let maxRanges = 16
    /// Largest seq span one NACK range may ask for.
    public static let maxNackSpan: UInt64 = 1_024
    /// Largest counter span one reconcile range may ask for.
    public static let maxReconcileSpan: UInt32 = 4_096
    /// Header size (`WireHeader` has the layout).
    public static let headerBytes = WireHeader.size
}

/// Why a datagram was rejected. Decoding never traps: every malformed input
/// ends up as one of these, and the shell counts it.
public enum WireError: Error, Hashable, Sendable, CustomStringConvertible {
    case truncated
    case badMagic
    case unsupportedVersion(UInt8)
    case unknownKind(UInt8)
    case unsupportedFlags(UInt8)
    case tooLong(String)
    case invalidUTF8(String)
    case invalidValue(String)
    case trailingBytes(Int)
    case oversized(Int)

    public var description: String {
        switch self {
        case .truncated: "truncated datagram"
        case .badMagic: "bad magic bytes"
        case .unsupportedVersion(let v): "unsupported protocol version \(v)"
        case .unknownKind(let k): "unknown packet kind \(k)"
        case .unsupportedFlags(let f): "unsupported header flags \(f)"
        case .tooLong(let f): "\(f) too long"
        case .invalidUTF8(let f): "\(f) is not valid UTF-8"
        case .invalidValue(let f): "invalid \(f)"
        case .trailingBytes(let n): "\(n) trailing bytes"
        case .oversized(let n): "datagram of \(n) bytes is over the limit"
        }
    }
}
