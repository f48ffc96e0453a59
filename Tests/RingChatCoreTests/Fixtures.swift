@testable import RingChatCore

// Hand-made identities, messages and packets shared by the core tests.

let nodeA = NodeID(0x0000_0000_0000_00a0)
let nodeB = NodeID(0x0000_0000_0000_00b0)
let nodeC = NodeID(0x0000_0000_0000_00c0)
let nodeD = NodeID(0x0000_0000_0000_00d0)

func ringID(_ epoch: UInt64, creator: NodeID = nodeB, incarnation: UInt32 = 1) -> RingID {
    RingID(epoch: epoch, creator: creator, incarnation: incarnation)
}

func msgID(_ origin: NodeID, _ incarnation: UInt32 = 1, _ counter: UInt32) -> MessageID {
    MessageID(origin: origin, incarnation: incarnation, counter: counter)
}

/// A chat message; the text defaults to something derived from the id so
/// that two calls with the same id agree.
func chat(_ id: MessageID, ring: RingID, seq: UInt64, text: String? = nil, nick: String = "bob",
          kind: MessageKind = .text, timestamp: Int64 = 1_700_000_000_000) -> ChatMessage {
    ChatMessage(id: id, nick: nick, text: text ?? "line \(id.text)", kind: kind,
                slot: Slot(ring: ring, seq: seq), timestamp: timestamp)
}

func packet(from sender: NodeID, incarnation: UInt32 = 1, counter: UInt64 = 1, _ body: Packet.Body) -> Packet {
    Packet(sender: sender, incarnation: incarnation, counter: counter, body: body)
}

extension Array where Element == Effect {
    /// Messages delivered, in effect order.
    var delivered: [(message: ChatMessage, backfill: Bool)] {
        compactMap { if case .deliver(let m, let b) = $0 { (m, b) } else { nil } }
    }

    var sentPackets: [Packet] {
        compactMap { if case .send(let p) = $0 { p } else { nil } }
    }

    var reconcileRequests: [ReconcileRequest] {
        sentPackets.compactMap { if case .reconcileRequest(let r) = $0.body { r } else { nil } }
    }

    var nacks: [Nack] {
        sentPackets.compactMap { if case .nack(let n) = $0.body { n } else { nil } }
    }

    var tokenAcks: [TokenAck] {
        sentPackets.compactMap { if case .tokenAck(let a) = $0.body { a } else { nil } }
    }

    var tokenEvents: [TokenEvent] {
        compactMap { if case .token(let t) = $0 { t } else { nil } }
    }

    var grants: [TokenEvent] {
        tokenEvents.filter { if case .granted = $0 { true } else { false } }
    }

    var restoreReports: [RestoreReport] {
        compactMap { if case .restored(let r) = $0 { r } else { nil } }
    }
}

/// B's lines 1...n of incarnation 1, at seqs 1...n of `ring`: a history to
/// catch up on.
func bobHistory(_ n: Int, ring: RingID) -> [ChatMessage] {
    (1...n).map { chat(msgID(nodeB, 1, UInt32($0)), ring: ring, seq: UInt64($0)) }
}

// MARK: seeded random contents

extension SplitMix64 {
    mutating func below(_ n: UInt64) -> UInt64 { next() % n }
    mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(below(UInt64(r.count))) }
    mutating func u32() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
    mutating func bool() -> Bool { next() & 1 == 1 }

    /// Valid UTF-8 of 1...maxBytes bytes (0...maxBytes when `allowEmpty`),
    /// mixing one- to four-byte scalars.
    mutating func string(maxBytes: Int, allowEmpty: Bool = false) -> String {
        let alphabet: [Unicode.Scalar] = ["a", "Z", "0", " ", "~", "\u{0}", "\u{7f}", "é", "ß", "€", "日", "本",
                                          "\u{200d}", "𝄞", "😀", "\u{10ffff}"]
        let target = int((allowEmpty ? 0 : 1)...maxBytes)
        var s = String.UnicodeScalarView()
        var bytes = 0
        while bytes < target {
            let c = alphabet[Int(below(UInt64(alphabet.count)))]
            let n = String(c).utf8.count
            if bytes + n > maxBytes { if bytes == 0 { continue } else { break } }
            s.append(c)
            bytes += n
        }
        return String(s)
    }

    mutating func nodeID() -> NodeID { NodeID(next()) }
    mutating func ring() -> RingID { RingID(epoch: next(), creator: nodeID(), incarnation: u32()) }
    mutating func stream() -> StreamID { StreamID(origin: nodeID(), incarnation: u32()) }

    mutating func message() -> ChatMessage {
        let kind: MessageKind = [.text, .action, .private][int(0...2)]
        return ChatMessage(id: MessageID(origin: nodeID(), incarnation: u32(), counter: max(1, u32())),
                           nick: string(maxBytes: WireLimits.maxNickBytes),
                           text: string(maxBytes: kind.maxTextBytes, allowEmpty: true),
                           kind: kind, room: kind == .private ? RoomName.address(of: nodeID()) : room(),
                           slot: Slot(ring: ring(), seq: max(1, next())),
                           timestamp: Int64(bitPattern: next()))
    }

    /// The lobby or a `#name` room of 1 to 31 name characters.
    mutating func room() -> String {
        if bool() { return RoomName.lobby }
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789-_.")
        return "#" + String((0..<int(1...(RoomName.maxBytes - 1))).map { _ in chars[int(0...(chars.count - 1))] })
    }
}

/// Every kind of packet, with random but valid contents drawn from a seed.
enum PacketKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case heartbeat, token, tokenAck, tokenRequest, data, nack, reconcileRequest, settle, leave

    var description: String { rawValue }

    func body(_ g: inout SplitMix64) -> Packet.Body {
        switch self {
        case .heartbeat:
            let page = (0..<g.int(0...WireLimits.maxDigestPage)).map { _ -> DigestEntry in
                let mx = g.u32()
                let count = UInt32(g.below(UInt64(mx) + 1))
                let contiguous = UInt32(g.below(UInt64(count) + 1))
                return DigestEntry(stream: g.stream(), contiguous: contiguous, max: mx, count: count, setHash: g.next())
            }
            return .heartbeat(Heartbeat(nick: g.string(maxBytes: WireLimits.maxNickBytes), ring: g.bool() ? g.ring() : nil,
                                        queued: g.u32(), highestEpoch: g.next(),
                                        digest: DigestSummary(streams: g.u32(), messages: g.next(), hash: g.next()),
                                        page: page, rooms: (0..<g.int(0...RoomName.maxAnnounced)).map { _ in "#r" + String(g.u32()) },
                                        identity: g.bool() ? (0..<WireLimits.identityKeyBytes).map { _ in UInt8(truncatingIfNeeded: g.next()) } : []))
        case .token:
            return .token(Token(ring: g.ring(), hop: g.next(), to: g.nodeID(), toIncarnation: g.u32(), nextSeq: g.next()))
        case .tokenAck:
            return .tokenAck(TokenAck(ring: g.ring(), hop: g.next(), nextSeq: g.next()))
        case .tokenRequest:
            return .tokenRequest(TokenRequest(ring: g.bool() ? g.ring() : nil, queued: g.u32()))
        case .data:
            return .data(DataBatch(retransmission: g.bool(), messages: (0..<g.int(1...8)).map { _ in g.message() }))
        case .nack:
            let ranges = (0..<g.int(1...WireLimits.maxRanges)).map { _ -> ClosedRange<UInt64> in
                let lo = 1 + g.below(UInt64.max - WireLimits.maxNackSpan)
                return lo...(lo + g.below(WireLimits.maxNackSpan))
            }
            return .nack(Nack(ring: g.ring(), ranges: ranges))
        case .reconcileRequest:
            let ranges = (0..<g.int(1...WireLimits.maxRanges)).map { _ -> StreamRange in
                let lo = 1 + UInt32(g.below(UInt64(UInt32.max - WireLimits.maxReconcileSpan)))
                return StreamRange(stream: g.stream(),
                                   counters: lo...(lo + UInt32(g.below(UInt64(WireLimits.maxReconcileSpan)))))
            }
            return .reconcileRequest(ReconcileRequest(target: g.nodeID(), ranges: ranges))
        case .settle:
            let from = 1 + g.below(1 << 40)
            var floor = from
            var holes: [ClosedRange<UInt64>] = []
            for _ in 0..<g.int(0...WireLimits.maxRanges) {
                let lo = floor + g.below(100), hi = lo + g.below(100)
                holes.append(lo...hi)
                floor = hi + 1
            }
            let through = floor + g.below(100)
            return .settle(Settle(ring: g.ring(), from: from, through: through, high: through + g.below(100), holes: holes))
        case .leave:
            return g.bool() ? .leave(Leave(ring: g.ring(), took: g.next())) : .leave(Leave(ring: nil, took: 0))
        }
    }

    /// A packet of this kind drawn from `seed` (the same seed, the same packet).
    func packet(seed: UInt64) -> Packet {
        var g = SplitMix64(seed: seed &* 0x9E37_79B9 &+ UInt64(PacketKind.allCases.firstIndex(of: self)!))
        return Packet(sender: g.nodeID(), incarnation: g.u32(), counter: g.next(), body: body(&g))
    }

    /// Small, fixed packets of every kind: the corpus for truncation and
    /// mutation tests (kept small so every prefix can be tried).
    static var corpus: [Packet] {
        allCases.flatMap { kind in (1...3).map { kind.packet(seed: $0) } }
    }
}

/// A history store over an array (the messages a node holds on "disk"):
/// stream reads and slot lookups; no pages (the screen is not tested here).
final class ArrayHistoryStore: HistoryStore {
        let lines: [ChatMessage]
        init(_ l: [ChatMessage]) { lines = l }
        func messages(of s: StreamID, counters: ClosedRange<UInt32>, limit: Int) -> [ChatMessage] {
            Array(lines.filter { $0.id.stream == s && counters.contains($0.id.counter) }.prefix(limit))
        }
        func message(at slot: Slot) -> ChatMessage? { lines.first { $0.slot == slot } }
        func page(before slot: Slot?, limit: Int) -> [ChatMessage] { [] }
        func page(after slot: Slot, limit: Int) -> [ChatMessage] { [] }
    }
