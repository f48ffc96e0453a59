/// The versioned binary codec. Layout (big-endian):
///
///     header: `WireHeader` ('R' 'C' version kind flags sender:u64 incarnation:u32 counter:u64)
///     body:   per kind, see the `encode…`/`decode…` pairs below
///
/// `flags` is reserved for the group-key envelope (authenticated encryption
/// of the body, the header counter as nonce): 0 or `PacketSeal.sealedFlag`.
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
            // By index: the previous message is read in place (a copy of it
            // per message retained and released its strings).
            let ms = d.messages
            for i in ms.indices { message(ms[i], i == 0 ? .all : MessageShape(ms[i], after: ms[i - 1]), &w) }
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
        var n = dataOverhead + (d.lineage == nil ? 0 : lineageBytes)
        let ms = d.messages
        for i in ms.indices { n += i == 0 ? encodedSize(of: ms[i]) : encodedSize(of: ms[i], after: ms[i - 1]) }
        return n
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
            for _ in 0..<n { messages.append(try message(&r, after: messages)) }
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

    /// Encoded size of the first message of a data batch (every field):
    /// what the token holder packs against the datagram budget.
    public static func encodedSize(of m: ChatMessage) -> Int { encodedSize(of: m, .all) }

    /// Encoded size of a message that follows `previous` in a data batch.
    public static func encodedSize(of m: ChatMessage, after previous: ChatMessage) -> Int {
        encodedSize(of: m, MessageShape(m, after: previous))
    }

    private static func encodedSize(of m: ChatMessage, _ shape: MessageShape) -> Int {
        var n = 1 + 1 + 2 + m.text.utf8.count   // shape, kind, text length, text
        if shape.contains(.ring) { n += 20 }
        if shape.contains(.stream) { n += 12 }
        if shape.contains(.counter) { n += 4 }
        if shape.contains(.seq) { n += 8 }
        if shape.contains(.timestamp) { n += 8 }
        if shape.contains(.room) { n += 1 + m.room.utf8.count }
        if shape.contains(.nick) { n += 1 + m.nick.utf8.count }
        return n
    }

    /// Data-batch overhead: header + retransmission flag + lineage presence
    /// + count (+ `lineageBytes` when a lineage is carried).
    public static let dataOverhead = WireLimits.headerBytes + 3

    /// A present lineage: ring (20) and last seq (8).
    public static let lineageBytes = 20 + 8

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

    private static func message(_ m: ChatMessage, _ shape: MessageShape, _ w: inout ByteWriter) {
        w.u8(shape.rawValue)
        if shape.contains(.ring) { ring(m.slot.ring, &w) }
        if shape.contains(.stream) { w.u64(m.id.origin.raw); w.u32(m.id.incarnation) }
        if shape.contains(.counter) { w.u32(m.id.counter) }
        if shape.contains(.seq) { w.u64(m.slot.seq) }
        if shape.contains(.timestamp) { w.i64(m.timestamp) }
        w.u8(m.kind.rawValue)
        if shape.contains(.room) { w.string(m.room, wide: false) }
        if shape.contains(.nick) { w.string(m.nick, wide: false) }
        w.string(m.text, wide: true)
    }

    /// One message of a data batch, after `before` (the batch's messages so
    /// far); a field its shape leaves out is the previous message's (its
    /// counter and seq: the previous ones plus one), read in place.
    private static func message(_ r: inout ByteReader, after before: [ChatMessage]) throws(WireError) -> ChatMessage {
        guard let shape = MessageShape.read(try r.u8()), !before.isEmpty || shape == .all else {
            throw .invalidValue("message shape")
        }
        let p = before.count - 1   // -1 only when every field is present
        let ring = shape.contains(.ring) ? try ring(&r) : before[p].slot.ring
        let origin = shape.contains(.stream) ? NodeID(try r.u64()) : before[p].id.origin
        let incarnation = shape.contains(.stream) ? try r.u32() : before[p].id.incarnation
        let counter = shape.contains(.counter) ? try r.u32() : try after(before[p].id.counter, "message counter")
        guard counter >= 1 else { throw .invalidValue("message counter") }
        let id = MessageID(origin: origin, incarnation: incarnation, counter: counter)
        let seq = shape.contains(.seq) ? try r.u64() : try after(before[p].slot.seq, "seq")
        guard seq >= 1 else { throw .invalidValue("seq") }
        let ts = shape.contains(.timestamp) ? try r.i64() : before[p].timestamp
        guard let kind = MessageKind(rawValue: try r.u8()) else { throw .invalidValue("message kind") }
        let room = shape.contains(.room) ? try r.string("room", wide: false, limit: RoomName.maxBytes) : before[p].room
        guard RoomName.fits(room, kind: kind) else { throw .invalidValue("room") }
        let nick = shape.contains(.nick) ? try r.string("nick", wide: false, limit: WireLimits.maxNickBytes) : before[p].nick
        guard !nick.isEmpty else { throw .invalidValue("empty nick") }
        let text = try r.string("text", wide: true, limit: kind.maxTextBytes)
        return ChatMessage(id: id, nick: nick, text: text, kind: kind, room: room, slot: Slot(ring: ring, seq: seq),
                           timestamp: ts)
    }

    /// The value a left-out counter or seq takes: the previous one plus one,
    /// which an encoder never implies past the maximum.
    private static func after<T: FixedWidthInteger>(_ previous: T, _ field: String) throws(WireError) -> T {
        let (next, over) = previous.addingReportingOverflow(1)
        guard !over else { throw .invalidValue(field) }
        return next
    }
}

/// Which fields a message of a data batch carries (its first byte); each
/// one left out is the previous message's, its counter and seq the previous
/// ones plus one. A holder's batch is one ring, one stream, consecutive
/// counters and seqs, one nick and one room: written out, those took 57 of
/// a 100-byte line's 164 bytes, so a 1,400-byte datagram carried 8 lines
/// and a busy node's CPU went mostly to the kernel's work per datagram.
/// The first message of a datagram carries every field (`all`).
struct MessageShape: OptionSet, Equatable {
    let rawValue: UInt8
    init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The shape a message's first byte names; nil for a byte with bits
    /// no field owns.
    static func read(_ byte: UInt8) -> MessageShape? {
        byte & ~all.rawValue == 0 ? MessageShape(rawValue: byte) : nil
    }

    static let ring = MessageShape(rawValue: 1 << 0)
    static let stream = MessageShape(rawValue: 1 << 1)
    static let counter = MessageShape(rawValue: 1 << 2)
    static let seq = MessageShape(rawValue: 1 << 3)
    static let timestamp = MessageShape(rawValue: 1 << 4)
    static let room = MessageShape(rawValue: 1 << 5)
    static let nick = MessageShape(rawValue: 1 << 6)
    static let all: MessageShape = [.ring, .stream, .counter, .seq, .timestamp, .room, .nick]

    /// The fields `m` must carry after `p`.
    init(_ m: ChatMessage, after p: ChatMessage) {
        var s: MessageShape = []
        if m.slot.ring != p.slot.ring { s.insert(.ring) }
        if m.id.origin != p.id.origin || m.id.incarnation != p.id.incarnation { s.insert(.stream) }
        if p.id.counter == .max || m.id.counter != p.id.counter + 1 { s.insert(.counter) }
        if p.slot.seq == .max || m.slot.seq != p.slot.seq + 1 { s.insert(.seq) }
        if m.timestamp != p.timestamp { s.insert(.timestamp) }
        if m.room != p.room { s.insert(.room) }
        if m.nick != p.nick { s.insert(.nick) }
        self = s
    }
}
