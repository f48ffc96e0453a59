/// The header every RingChat datagram starts with: the one owner of its
/// layout. Big-endian, 25 bytes:
///
///     offset  0  magic        2 bytes  'R' 'C'
///             2  version      1 byte   `WireHeader.version`
///             3  kind         1 byte   the packet kind (`WireCodec`)
///             4  flags        1 byte   0, or `PacketSeal.sealedFlag`
///             5  sender       8 bytes  the sender's `NodeID`
///            13  incarnation  4 bytes  the sender's incarnation
///            17  counter      8 bytes  the sender's packet counter
///
/// `WireCodec` writes and reads it, `PacketSeal` authenticates it (and its
/// replay window reads sender, incarnation and counter), the host reads
/// the sender to drop its own echoes, and the kernel filter of
/// `MulticastSocket.dropDatagrams(from:)` is given the magic and sender
/// offsets from here (the C side hard-codes no offset).
public struct WireHeader: Hashable, Sendable {
    public var version: UInt8
    public var kind: UInt8
    public var flags: UInt8
    public var sender: NodeID
    public var incarnation: UInt32
    public var counter: UInt64

    public init(version: UInt8 = WireHeader.version, kind: UInt8, flags: UInt8 = 0, sender: NodeID,
                incarnation: UInt32, counter: UInt64) {
        self.version = version
        self.kind = kind
        self.flags = flags
        self.sender = sender
        self.incarnation = incarnation
        self.counter = counter
    }

    /// "RC".
    public static let magic: (UInt8, UInt8) = (0x52, 0x43)
    /// The magic as one big-endian 16-bit word (what a BPF half-word load reads).
    public static let magicWord = UInt16(magic.0) << 8 | UInt16(magic.1)
    /// 2: rooms and private messages (a message's room; a heartbeat's rooms
    /// and identity key). 3: a data batch's messages leave out what they
    /// share with the one before (`MessageShape`). A node drops datagrams of
    /// any other version, counts them, and says once which peer speaks which
    /// (docs/PROTOCOL.md §9).
    public static let version: UInt8 = 3

    public static let magicOffset = 0
    public static let versionOffset = 2
    public static let kindOffset = 3
    public static let flagsOffset = 4
    public static let senderOffset = 5
    public static let senderBytes = 8
    public static let incarnationOffset = 13
    public static let counterOffset = 17
    /// Header size in bytes: where the body starts.
    public static let size = 25

    /// Whether `bytes` are long enough for a header and start with the magic.
    @inlinable
    public static func isRingChat<C: Collection<UInt8>>(_ bytes: C) -> Bool where C.Index == Int {
        let b = bytes.startIndex
        return bytes.count >= size && bytes[b + magicOffset] == magic.0 && bytes[b + magicOffset + 1] == magic.1
    }

    /// The header of `bytes` read as it is (version and flags not checked:
    /// `WireCodec.decode` judges them), or nil if `bytes` are too short or
    /// lack the magic.
    @inlinable
    public static func peek<C: Collection<UInt8>>(_ bytes: C) -> WireHeader? where C.Index == Int {
        guard isRingChat(bytes) else { return nil }
        let b = bytes.startIndex
        func int(_ from: Int, _ n: Int) -> UInt64 {
            var v: UInt64 = 0
            for i in (b + from)..<(b + from + n) { v = v << 8 | UInt64(bytes[i]) }
            return v
        }
        return WireHeader(version: bytes[b + versionOffset], kind: bytes[b + kindOffset], flags: bytes[b + flagsOffset],
                          sender: NodeID(int(senderOffset, senderBytes)), incarnation: UInt32(int(incarnationOffset, 4)),
                          counter: int(counterOffset, 8))
    }

    /// The sender named in a datagram's header, or nil if it has none.
    @inlinable
    public static func sender<C: Collection<UInt8>>(of bytes: C) -> NodeID? where C.Index == Int {
        guard isRingChat(bytes) else { return nil }
        let b = bytes.startIndex + senderOffset
        var v: UInt64 = 0
        for i in b..<(b + senderBytes) { v = v << 8 | UInt64(bytes[i]) }
        return NodeID(v)
    }

    /// The kind byte of a datagram with a header, or nil.
    @inlinable
    public static func kind<C: Collection<UInt8>>(of bytes: C) -> UInt8? where C.Index == Int {
        isRingChat(bytes) ? bytes[bytes.startIndex + kindOffset] : nil
    }

    func write(_ w: inout ByteWriter) {
        w.u8(Self.magic.0)
        w.u8(Self.magic.1)
        w.u8(version)
        w.u8(kind)
        w.u8(flags)
        w.u64(sender.raw)
        w.u32(incarnation)
        w.u64(counter)
    }

    /// Reads and checks the header, in this order: magic, version, kind
    /// (`knownKind`: the codec knows the kinds), flags (0: a sealed datagram
    /// is opened before it is decoded).
    static func read(_ r: inout ByteReader, knownKind: (UInt8) -> Bool) throws(WireError) -> WireHeader {
        guard try r.u8() == magic.0, try r.u8() == magic.1 else { throw .badMagic }
        let version = try r.u8()
        guard version == Self.version else { throw .unsupportedVersion(version) }
        let kind = try r.u8()
        guard knownKind(kind) else { throw .unknownKind(kind) }
        let flags = try r.u8()
        guard flags == 0 else { throw .unsupportedFlags(flags) }
        return WireHeader(version: version, kind: kind, flags: flags, sender: NodeID(try r.u64()),
                          incarnation: try r.u32(), counter: try r.u64())
    }
}
