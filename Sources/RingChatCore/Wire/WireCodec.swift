/// The versioned binary codec. Layout (big-endian):
///
///     header: `WireHeader` ('R' 'C' version kind flags sender:u64 incarnation:u32 counter:u64)
///     body:   per kind, see the `encode…`/`decode…` pairs below
///
/// `flags` is reserved for the group-key envelope (authenticated encryption
/// of the body, the header counter as nonce); version 1 accepts only 0.
public enum WireCodec {
    enum Kind: UInt8 {
        case heartbeat = 1, token = 2, tokenAck = 3, tokenRequest = 4, data = 5, nack = 6, reconcileRequest = 7, settle = 8, leave = 9
    }

    /// The ring a datagram claims to be a token of, read from its first
    /// bytes without decoding the rest (nil: not a token): the receive path
    /// hands tokens of the node's ring over first. A claim only: the packet
    /// is decoded and validated as any other.
    public static func tokenRing(_ bytes: [UInt8]) -> RingID? {
        let at = WireHeader.size
        guard bytes.count >= at + 20, bytes[WireHeader.kindOffset] == Kind.token.rawValue else { return nil }
        var r = ByteReader(bytes, from: at)
        return try? ring(&r)
    }

    public static func encode(_ p: Packet) -> [UInt8] {
        var w = ByteWriter(capacity: reservation(for: p.body))
        WireHeader(kind: kind(of: p.body).rawValue, sender: p.sender, incarnation: p.incarnation, counter: p.counter)
            .write(&w)
        switch p.body {
        case .heartbeat(let h): encode(h, &w)
        case .token(let t): encode(t, &w)
        case .tokenAck(let a):
            ring(a.ring, &w); w.u64(a.hop); w.u64(a.nextSeq); lineage(a.lineage, &w)
        case .tokenRequest(let r):
            optionalRing(r.ring, &w); w.u32(r.queued)
        case .data(let d):
            w.bool(d.retransmission)
            lineage(d.lineage, &w)
            w.u8(UInt8(d.messages.count))
            for m in d.messages { message(m, &w) }
        case .nack(let n):
            ring(n.ring, &w)
            w.u8(UInt8(n.ranges.count))
            for r in n.ranges { w.u64(r.lowerBound); w.u64(r.upperBound) }
        case .reconcileRequest(let r):
            w.u64(r.target.raw)
            w.u8(UInt8(r.ranges.count))
            for s in r.ranges {
                stream(s.stream, &w); w.u32(s.counters.lowerBound); w.u32(s.counters.upperBound)
            }
        case .settle(let s):
            ring(s.ring, &w); w.u64(s.from); w.u64(s.through); w.u64(s.high)
            w.u8(UInt8(s.holes.count))
            for r in s.holes { w.u64(r.lowerBound); w.u64(r.upperBound) }
        case .leave(let l):
            optionalRing(l.ring, &w); w.u64(l.took)
        }
        if case .data(let d) = p.body { assert(w.bytes.count == dataSize(d), "encodedSize disagrees with encode") }
        return w.bytes
    }

    /// Bytes to reserve for encoding `body`: a data packet's exact size (the
    /// large one: growing from 512 bytes reallocated and copied it up to
    /// seven times), else a size most other packets fit.
    private static func reservation(for body: Packet.Body) -> Int {
        if case .data(let d) = body { dataSize(d) } else { 512 }
    }

    /// A data packet's encoded size, as the token holder counts it.
    private static func dataSize(_ d: DataBatch) -> Int {
        d.messages.reduce(dataOverhead + (d.lineage == nil ? 0 : lineageBytes)) { $0 + encodedSize(of: $1) }
    }

    /// Strict decoding: the whole datagram must be one well-formed packet
    /// within `WireLimits`, or a `WireError` says why not.
    public static func decode(_ bytes: [UInt8]) throws(WireError) -> Packet {
        guard bytes.count <= WireLimits.maxDatagram else { throw .oversized(bytes.count) }
        var r = ByteReader(bytes)
        let header = try WireHeader.read(&r) { Kind(rawValue: $0) != nil }
        let kind = Kind(rawValue: header.kind)!
        let sender = header.sender, incarnation = header.incarnation, counter = header.counter
        let body: Packet.Body
        switch kind {
        case .heartbeat: body = .heartbeat(try decodeHeartbeat(&r))
        case .token:
            body = .token(Token(ring: try ring(&r), hop: try r.u64(), to: NodeID(try r.u64()),
                                toIncarnation: try r.u32(), nextSeq: try r.u64(), lineage: try lineage(&r)))
        case .tokenAck:
            body = .tokenAck(TokenAck(ring: try ring(&r), hop: try r.u64(), nextSeq: try r.u64(), lineage: try lineage(&r)))
        case .tokenRequest:
            body = .tokenRequest(TokenRequest(ring: try optionalRing(&r), queued: try r.u32()))
        case .data:
            let retransmission = try r.bool("retransmission flag")
            let lineage = try lineage(&r)
            let n = Int(try r.u8())
            guard n > 0 else { throw .invalidValue("empty data batch") }
            var messages: [ChatMessage] = []
            messages.reserveCapacity(n)
            for _ in 0..<n { messages.append(try message(&r)) }
            body = .data(DataBatch(retransmission: retransmission, messages: messages, lineage: lineage))
        case .nack:
            let ring = try ring(&r)
            let ranges = try rangeList(&r) { (r: inout ByteReader) throws(WireError) -> ClosedRange<UInt64> in
                let lo = try r.u64(), hi = try r.u64()
                guard lo >= 1, lo <= hi, hi - lo < WireLimits.maxNackSpan else { throw .invalidValue("nack range") }
                return lo...hi
            }
            body = .nack(Nack(ring: ring, ranges: ranges))
        case .reconcileRequest:
            let target = NodeID(try r.u64())
            let ranges = try rangeList(&r) { (r: inout ByteReader) throws(WireError) -> StreamRange in
                let s = try stream(&r)
                let lo = try r.u32(), hi = try r.u32()
                guard lo >= 1, lo <= hi, hi - lo < WireLimits.maxReconcileSpan else { throw .invalidValue("reconcile range") }
                return StreamRange(stream: s, counters: lo...hi)
            }
            body = .reconcileRequest(ReconcileRequest(target: target, ranges: ranges))
        case .settle:
            body = .settle(try decodeSettle(&r))
        case .leave:
            let ring = try optionalRing(&r)
            let took = try r.u64()
            // A node in no ring took no hop.
            guard ring != nil || took == 0 else { throw .invalidValue("leave hop without a ring") }
            body = .leave(Leave(ring: ring, took: took))
        }
        guard r.remaining == 0 else { throw .trailingBytes(r.remaining) }
        return Packet(sender: sender, incarnation: incarnation, counter: counter, body: body)
    }

    /// Encoded size of one message inside a data batch: what the token
    /// holder packs against the datagram budget.
    public static func encodedSize(of m: ChatMessage) -> Int {
        messageFixedBytes + m.room.utf8.count + m.nick.utf8.count + m.text.utf8.count
    }

    /// Data-batch overhead: header + retransmission flag + lineage presence
    /// + count (+ `lineageBytes` when a lineage is carried).
    public static let dataOverhead = WireLimits.headerBytes + 3

    /// A present lineage: ring (20) and last seq (8).
    public static let lineageBytes = 20 + 8

    // ring(20) counter fields: origin(8) inc(4) counter(4) seq(8) ts(8) kind(1) room len(1) nick len(1) text len(2)
    static let messageFixedBytes = 20 + 8 + 4 + 4 + 8 + 8 + 1 + 1 + 1 + 2

    private static func kind(of body: Packet.Body) -> Kind {
        switch body {
        case .heartbeat: .heartbeat
        case .token: .token
        case .tokenAck: .tokenAck
        case .tokenRequest: .tokenRequest
        case .data: .data
        case .nack: .nack
        case .reconcileRequest: .reconcileRequest
        case .settle: .settle
        case .leave: .leave
        }
    }

    private static func decodeSettle(_ r: inout ByteReader) throws(WireError) -> Settle {
        let ringID = try ring(&r)
        let from = try r.u64(), through = try r.u64(), high = try r.u64()
        guard from >= 1, through >= from - 1, through <= high else { throw .invalidValue("settle bounds") }
        let n = Int(try r.u8())
        guard n <= WireLimits.maxRanges else { throw .invalidValue("range count") }
        var holes: [ClosedRange<UInt64>] = []
        var floor = from
        for _ in 0..<n {
            let lo = try r.u64(), hi = try r.u64()
            // Sorted, disjoint, inside from...through.
            guard lo >= floor, lo <= hi, hi <= through else { throw .invalidValue("settle hole") }
            holes.append(lo...hi)
            floor = hi &+ 1
        }
        return Settle(ring: ringID, from: from, through: through, high: high, holes: holes)
    }

    // MARK: pieces

    private static func ring(_ id: RingID, _ w: inout ByteWriter) {
        w.u64(id.epoch); w.u64(id.creator.raw); w.u32(id.incarnation)
    }

    private static func ring(_ r: inout ByteReader) throws(WireError) -> RingID {
        RingID(epoch: try r.u64(), creator: NodeID(try r.u64()), incarnation: try r.u32())
    }

    private static func optionalRing(_ id: RingID?, _ w: inout ByteWriter) {
        if let id { w.u8(1); ring(id, &w) } else { w.u8(0) }
    }

    private static func optionalRing(_ r: inout ByteReader) throws(WireError) -> RingID? {
        try r.bool("ring presence") ? try ring(&r) : nil
    }

    private static func lineage(_ l: RingLineage?, _ w: inout ByteWriter) {
        if let l { w.u8(1); ring(l.previous, &w); w.u64(l.last) } else { w.u8(0) }
    }

    private static func lineage(_ r: inout ByteReader) throws(WireError) -> RingLineage? {
        guard try r.bool("lineage presence") else { return nil }
        return RingLineage(previous: try ring(&r), last: try r.u64())
    }

    private static func stream(_ s: StreamID, _ w: inout ByteWriter) {
        w.u64(s.origin.raw); w.u32(s.incarnation)
    }

    private static func stream(_ r: inout ByteReader) throws(WireError) -> StreamID {
        StreamID(origin: NodeID(try r.u64()), incarnation: try r.u32())
    }

    private static func rangeList<T>(_ r: inout ByteReader, _ one: (inout ByteReader) throws(WireError) -> T) throws(WireError) -> [T] {
        let n = Int(try r.u8())
        guard n >= 1, n <= WireLimits.maxRanges else { throw .invalidValue("range count") }
        var out: [T] = []
        for _ in 0..<n { out.append(try one(&r)) }
        return out
    }

    private static func encode(_ h: Heartbeat, _ w: inout ByteWriter) {
        w.string(h.nick, wide: false)
        optionalRing(h.ring, &w)
        w.u32(h.queued)
        w.u64(h.highestEpoch)
        w.u32(h.digest.streams); w.u64(h.digest.messages); w.u64(h.digest.hash)
        w.u8(UInt8(h.page.count))
        for e in h.page {
            stream(e.stream, &w); w.u32(e.contiguous); w.u32(e.max); w.u32(e.count); w.u64(e.setHash)
        }
        lineage(h.lineage, &w)
        w.u8(UInt8(h.rooms.count))
        for room in h.rooms { w.string(room, wide: false) }
        w.u8(UInt8(h.identity.count))
        for b in h.identity { w.u8(b) }
    }

    private static func decodeHeartbeat(_ r: inout ByteReader) throws(WireError) -> Heartbeat {
        let nick = try r.string("nick", wide: false, limit: WireLimits.maxNickBytes)
        guard !nick.isEmpty else { throw .invalidValue("empty nick") }
        let ring = try optionalRing(&r)
        let queued = try r.u32()
        let epoch = try r.u64()
        let digest = DigestSummary(streams: try r.u32(), messages: try r.u64(), hash: try r.u64())
        let n = Int(try r.u8())
        guard n <= WireLimits.maxDigestPage else { throw .tooLong("digest page") }
        var page: [DigestEntry] = []
        for _ in 0..<n {
            let e = DigestEntry(stream: try stream(&r), contiguous: try r.u32(), max: try r.u32(),
                                count: try r.u32(), setHash: try r.u64())
            guard e.contiguous <= e.max, e.count <= e.max, e.count >= e.contiguous else { throw .invalidValue("digest entry") }
            page.append(e)
        }
        let lineage = try lineage(&r)
        let nRooms = Int(try r.u8())
        guard nRooms <= RoomName.maxAnnounced else { throw .tooLong("room list") }
        var rooms: [String] = []
        for _ in 0..<nRooms {
            let room = try r.string("room", wide: false, limit: RoomName.maxBytes)
            guard RoomName.isRoom(room) else { throw .invalidValue("room") }
            rooms.append(room)
        }
        let keyCount = Int(try r.u8())
        guard keyCount == 0 || keyCount == WireLimits.identityKeyBytes else { throw .invalidValue("identity key") }
        var identity: [UInt8] = []
        for _ in 0..<keyCount { identity.append(try r.u8()) }
        return Heartbeat(nick: nick, ring: ring, queued: queued, highestEpoch: epoch, digest: digest, page: page,
                         lineage: lineage, rooms: rooms, identity: identity)
    }

    private static func encode(_ t: Token, _ w: inout ByteWriter) {
        ring(t.ring, &w); w.u64(t.hop); w.u64(t.to.raw); w.u32(t.toIncarnation); w.u64(t.nextSeq)
        lineage(t.lineage, &w)
    }

    private static func message(_ m: ChatMessage, _ w: inout ByteWriter) {
        ring(m.slot.ring, &w)
        w.u64(m.id.origin.raw); w.u32(m.id.incarnation); w.u32(m.id.counter)
        w.u64(m.slot.seq)
        w.i64(m.timestamp)
        w.u8(m.kind.rawValue)
        w.string(m.room, wide: false)
        w.string(m.nick, wide: false)
        w.string(m.text, wide: true)
    }

    private static func message(_ r: inout ByteReader) throws(WireError) -> ChatMessage {
        let ring = try ring(&r)
        let id = MessageID(origin: NodeID(try r.u64()), incarnation: try r.u32(), counter: try r.u32())
        guard id.counter >= 1 else { throw .invalidValue("message counter") }
        let seq = try r.u64()
        guard seq >= 1 else { throw .invalidValue("seq") }
        let ts = try r.i64()
        guard let kind = MessageKind(rawValue: try r.u8()) else { throw .invalidValue("message kind") }
        let room = try r.string("room", wide: false, limit: RoomName.maxBytes)
        guard RoomName.fits(room, kind: kind) else { throw .invalidValue("room") }
        let nick = try r.string("nick", wide: false, limit: WireLimits.maxNickBytes)
        guard !nick.isEmpty else { throw .invalidValue("empty nick") }
        let text = try r.string("text", wide: true, limit: kind.maxTextBytes)
        return ChatMessage(id: id, nick: nick, text: text, kind: kind, room: room, slot: Slot(ring: ring, seq: seq),
                           timestamp: ts)
    }
}
