/// Hard bounds on everything a peer can make us allocate or display.
/// Decoding rejects anything beyond them; senders never produce it.
public enum WireLimits {
    public static let magic: (UInt8, UInt8) = (0x52, 0x43) // "RC"
    public static let version: UInt8 = 1
    /// Largest datagram we accept (and the largest UDP payload on IPv4).
    public static let maxDatagram = 65_507
    /// Nick: UTF-8 bytes.
    public static let maxNickBytes = 32
    /// One chat line: UTF-8 bytes.
    public static let maxTextBytes = 1_000
    public static let maxMessagesPerPacket = 255
    public static let maxDigestPage = 32
    public static let maxRanges = 16
    /// Largest seq span one NACK range may ask for.
    public static let maxNackSpan: UInt64 = 1_024
    /// Largest counter span one reconcile range may ask for.
    public static let maxReconcileSpan: UInt32 = 4_096
    /// Header: magic(2) version(1) kind(1) flags(1) sender(8) incarnation(4) counter(8).
    public static let headerBytes = 25
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
