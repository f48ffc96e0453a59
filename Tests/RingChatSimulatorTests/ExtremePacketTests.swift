import Testing
import Synchronization
import RingChatCore

/// One node fed one well-formed packet with an extreme value in one numeric
/// field, for every numeric field of every packet kind: the minimum, 1 (far
/// behind), the maximum, the maximum minus one, 2^63 and far ahead of what
/// the node knows. Each packet goes through the real codec; then the node
/// is left alone (its peers fall silent) and must still form a ring and
/// deliver a typed line: no trap, no spin, and the drop counted exactly
/// when no honest node could have sent the packet.
@Suite("Extreme packets through Node")
struct ExtremePacketTests {
    static let a = NodeID(0xa0), b = NodeID(0xb0), c = NodeID(0xc0)
    static let ring = RingID(epoch: 5, creator: b, incarnation: 1)
    /// What a member has seen of `ring`: hop 10, seqs 1...6.
    static let hopSeen: UInt64 = 10, seqKnown: UInt64 = 6

    enum State: String, CaseIterable, Sendable {
        /// In the ring, has seen hop 10 and delivered seqs 1...6.
        case member
        /// Has heard the ring announced, nothing of its progress: only the
        /// absolute bounds apply.
        case fresh
    }

    /// How a field's values are judged.
    enum Kind: Sendable {
        case epoch, highestEpoch, hop, seq, takenNextSeq, lineageLast, free, u32, timestamp
        /// Counting starts at 1: a 32-bit counter or incarnation, a 64-bit counter.
        case u32FromOne, u64FromOne
    }

    struct Field: Sendable, CustomTestStringConvertible {
        var name: String
        var kind: Kind
        var make: @Sendable (UInt64) -> Packet
        var testDescription: String { name }
    }

    // MARK: values and verdicts

    static func values(_ k: Kind) -> [(name: String, value: UInt64)] {
        switch k {
        case .u32, .u32FromOne:
            return [("min", 0), ("1", 1), ("max-1", UInt64(UInt32.max - 1)), ("max", UInt64(UInt32.max))]
        case .timestamp:
            return [("min", UInt64(bitPattern: .min)), ("-1", UInt64(bitPattern: -1)), ("0", 0),
                    ("max-1", UInt64(bitPattern: .max - 1)), ("max", UInt64(bitPattern: .max))]
        default:
            let far: UInt64 = switch k {
            case .epoch, .highestEpoch: ring.epoch + PacketValidator.epochWindow + 1
            case .hop: hopSeen + PacketValidator.seqWindow + 1
            default: seqKnown + PacketValidator.seqWindow + 1
            }
            return [("min", 0), ("1", 1), ("max", .max), ("max-1", .max - 1), ("2^63", 1 << 63), ("far ahead", far)]
        }
    }

    /// Whether a node in `state` must refuse the value (the decoder or the
    /// validator), from docs/PROTOCOL.md §12, written out rather than
    /// computed by the code under test.
    static func refused(_ k: Kind, _ v: String, _ state: State) -> Bool {
        let huge = ["max", "max-1", "2^63"].contains(v)
        switch k {
        case .epoch: return v != "1"
        case .highestEpoch: return huge || v == "far ahead"
        case .hop, .lineageLast: return huge || (v == "far ahead" && state == .member)
        case .seq: return v == "min" || huge || (v == "far ahead" && state == .member)
        case .takenNextSeq:
            // A token this node takes cannot stamp seqs it knows are taken.
            return v == "min" || huge || (state == .member && (v == "far ahead" || v == "1"))
        case .free, .u32: return false
        case .u32FromOne, .u64FromOne: return v == "min"
        case .timestamp: return v == "min" || v == "max" || v == "max-1"
        }
    }

    // MARK: the fields

    static func from(_ body: Packet.Body, incarnation: UInt32 = 1, counter: UInt64 = 1_000) -> Packet {
        Packet(sender: b, incarnation: incarnation, counter: counter, body: body)
    }

    static func heartbeat(ring r: RingID? = ring, highestEpoch: UInt64 = 5, lineage: RingLineage? = nil,
                          queued: UInt32 = 0, digest: DigestSummary = DigestSummary(streams: 0, messages: 0, hash: 0),
                          page: [DigestEntry] = []) -> Packet {
        from(.heartbeat(Heartbeat(nick: "bob", ring: r, queued: queued, highestEpoch: highestEpoch, digest: digest,
                                  page: page, lineage: lineage)))
    }

    static func token(ring r: RingID = ring, hop: UInt64 = hopSeen + 1, nextSeq: UInt64 = seqKnown + 1,
                      toIncarnation: UInt32 = 2, lineage: RingLineage? = nil) -> Packet {
        // Addressed to A in its real incarnation, as an attacker who read
        // its heartbeats would: a plausible one is taken.
        from(.token(Token(ring: r, hop: hop, to: a, toIncarnation: toIncarnation, nextSeq: nextSeq, lineage: lineage)))
    }

    static func ack(ring r: RingID = ring, hop: UInt64 = hopSeen, nextSeq: UInt64 = seqKnown + 1,
                    lineage: RingLineage? = nil) -> Packet {
        from(.tokenAck(TokenAck(ring: r, hop: hop, nextSeq: nextSeq, lineage: lineage)))
    }

    static func data(ring r: RingID = ring, seq: UInt64 = seqKnown + 1, incarnation: UInt32 = 1, counter: UInt32 = 100,
                     ts: Int64 = 1_700_000_000_000, retransmission: Bool = false, lineage: RingLineage? = nil) -> Packet {
        let m = ChatMessage(id: MessageID(origin: b, incarnation: incarnation, counter: counter), nick: "bob", text: "x",
                            slot: Slot(ring: r, seq: seq), timestamp: ts)
        return from(.data(DataBatch(retransmission: retransmission, messages: [m], lineage: lineage)))
    }

    static func ringAt(_ e: UInt64) -> RingID { RingID(epoch: e, creator: b, incarnation: 1) }
    static func u32(_ v: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: v) }
    static func range(endingAt v: UInt64) -> ClosedRange<UInt64> { (v > 100 ? v - 100 : min(v, 1))...v }

    static let fields: [Field] = [
        Field(name: "heartbeat ring epoch", kind: .epoch) { heartbeat(ring: ringAt($0), highestEpoch: 5) },
        Field(name: "heartbeat highest epoch", kind: .highestEpoch) { heartbeat(highestEpoch: $0) },
        Field(name: "heartbeat lineage ring epoch", kind: .epoch) { heartbeat(lineage: RingLineage(previous: ringAt($0), last: 1)) },
        Field(name: "heartbeat lineage last", kind: .lineageLast) { heartbeat(lineage: RingLineage(previous: ring, last: $0)) },
        Field(name: "heartbeat queued", kind: .u32) { heartbeat(queued: u32($0)) },
        Field(name: "heartbeat digest streams", kind: .u32) { heartbeat(digest: DigestSummary(streams: u32($0), messages: 1, hash: 1)) },
        Field(name: "heartbeat digest messages", kind: .free) { heartbeat(digest: DigestSummary(streams: 1, messages: $0, hash: $0)) },
        Field(name: "heartbeat digest entry counters", kind: .u32) {
            heartbeat(page: [DigestEntry(stream: StreamID(origin: b, incarnation: 1), contiguous: u32($0), max: u32($0),
                                         count: u32($0), setHash: $0)])
        },
        Field(name: "heartbeat digest entry incarnation", kind: .u32) {
            heartbeat(page: [DigestEntry(stream: StreamID(origin: c, incarnation: u32($0)), contiguous: 3, max: 9, count: 5, setHash: 1)])
        },
        Field(name: "token ring epoch", kind: .epoch) { token(ring: ringAt($0)) },
        Field(name: "token hop", kind: .hop) { token(hop: $0) },
        Field(name: "token next seq", kind: .takenNextSeq) { token(nextSeq: $0) },
        Field(name: "token successor incarnation", kind: .u32) { token(toIncarnation: u32($0) == 2 ? 3 : u32($0)) },
        Field(name: "token lineage ring epoch", kind: .epoch) { token(lineage: RingLineage(previous: ringAt($0), last: 1)) },
        Field(name: "token lineage last", kind: .lineageLast) { token(lineage: RingLineage(previous: ring, last: $0)) },
        Field(name: "ack ring epoch", kind: .epoch) { ack(ring: ringAt($0)) },
        Field(name: "ack hop", kind: .hop) { ack(hop: $0) },
        Field(name: "ack next seq", kind: .seq) { ack(nextSeq: $0) },
        Field(name: "ack lineage ring epoch", kind: .epoch) { ack(lineage: RingLineage(previous: ringAt($0), last: 1)) },
        Field(name: "ack lineage last", kind: .lineageLast) { ack(lineage: RingLineage(previous: ring, last: $0)) },
        Field(name: "token request ring epoch", kind: .epoch) { from(.tokenRequest(TokenRequest(ring: ringAt($0), queued: 1))) },
        Field(name: "token request queued", kind: .u32) { from(.tokenRequest(TokenRequest(ring: ring, queued: u32($0)))) },
        Field(name: "data ring epoch", kind: .epoch) { data(ring: ringAt($0)) },
        Field(name: "data seq", kind: .seq) { data(seq: $0) },
        Field(name: "data origin incarnation", kind: .u32) { data(incarnation: u32($0)) },
        Field(name: "data message counter", kind: .u32FromOne) { data(counter: u32($0)) },
        Field(name: "data timestamp", kind: .timestamp) { data(ts: Int64(bitPattern: $0)) },
        Field(name: "data lineage ring epoch", kind: .epoch) { data(lineage: RingLineage(previous: ringAt($0), last: 1)) },
        Field(name: "data lineage last", kind: .lineageLast) { data(lineage: RingLineage(previous: ring, last: $0)) },
        Field(name: "re-sent data ring epoch", kind: .epoch) { data(ring: ringAt($0), retransmission: true) },
        Field(name: "re-sent data seq", kind: .seq) { data(seq: $0, retransmission: true) },
        Field(name: "re-sent data message counter", kind: .u32FromOne) { data(counter: u32($0), retransmission: true) },
        Field(name: "re-sent data timestamp", kind: .timestamp) { data(ts: Int64(bitPattern: $0), retransmission: true) },
        Field(name: "nack ring epoch", kind: .epoch) { from(.nack(Nack(ring: ringAt($0), ranges: [1...3]))) },
        Field(name: "nack range end", kind: .seq) { from(.nack(Nack(ring: ring, ranges: [range(endingAt: $0)]))) },
        Field(name: "reconcile counters", kind: .u32FromOne) {
            let hi = u32($0), lo = hi > 100 ? hi - 100 : min(hi, 1)
            return from(.reconcileRequest(ReconcileRequest(target: a, ranges: [StreamRange(stream: StreamID(origin: a, incarnation: 2), counters: lo...hi)])))
        },
        Field(name: "reconcile stream incarnation", kind: .u32) {
            from(.reconcileRequest(ReconcileRequest(target: a, ranges: [StreamRange(stream: StreamID(origin: a, incarnation: u32($0)), counters: 1...9)])))
        },
        Field(name: "settle ring epoch", kind: .epoch) { from(.settle(Settle(ring: ringAt($0), from: 1, through: 0, high: 0, holes: []))) },
        Field(name: "settle high", kind: .lineageLast) { from(.settle(Settle(ring: ring, from: 1, through: 0, high: $0, holes: []))) },
        Field(name: "leave ring epoch", kind: .epoch) { from(.leave(Leave(ring: ringAt($0), took: 1))) },
        Field(name: "leave hop", kind: .hop) { from(.leave(Leave(ring: ring, took: $0))) },
        Field(name: "header incarnation", kind: .u32FromOne) { from(.tokenRequest(TokenRequest(ring: ring, queued: 1)), incarnation: u32($0)) },
        Field(name: "header counter", kind: .u64FromOne) { from(.tokenRequest(TokenRequest(ring: ring, queued: 1)), counter: $0) },
    ]

    // MARK: the node

    /// Node A (incarnation 2) with peers B and C in `ring`.
    final class Harness {
        let node = Node(id: a, incarnation: 2, nick: "alice", seed: 9, now: .zero)
        var now = Instant.zero
        var counter: UInt64 = 0

        init(_ state: State) {
            for p in [b, c] {
                deliver(Packet(sender: p, incarnation: 1, counter: next(),
                               body: .heartbeat(Heartbeat(nick: "p", ring: ring, queued: 0, highestEpoch: 5,
                                                          digest: DigestSummary(streams: 0, messages: 0, hash: 0), page: []))))
            }
            guard state == .member else { return }
            let ms = (1...seqKnown).map { s in
                ChatMessage(id: MessageID(origin: b, incarnation: 1, counter: UInt32(s)), nick: "bob", text: "m\(s)",
                            slot: Slot(ring: ring, seq: s), timestamp: 1_700_000_000_000)
            }
            deliver(Packet(sender: b, incarnation: 1, counter: next(), body: .data(DataBatch(retransmission: false, messages: ms))))
            deliver(Packet(sender: b, incarnation: 1, counter: next(),
                           body: .token(Token(ring: ring, hop: hopSeen, to: c, toIncarnation: 1, nextSeq: seqKnown + 1))))
        }

        func next() -> UInt64 { counter += 1; return counter }

        @discardableResult
        func deliver(_ p: Packet) -> [Effect] {
            now = now + .milliseconds(1)
            return node.handle(.packet(p), now: now)
        }

        /// Through the codec, as the shell does: nil if it does not decode.
        func feed(_ p: Packet) -> Bool {
            guard let decoded = try? WireCodec.decode(WireCodec.encode(p)) else { return false }
            deliver(decoded)
            return true
        }

        /// Its peers fall silent: it must form a ring of its own and deliver
        /// a typed line. False if it never does within `limit` of virtual
        /// time (or its timer stops moving).
        func deliversAlone(limit: Duration = .seconds(60)) -> Bool {
            let text = "still here"
            let end = now + limit
            var effects = node.handle(.type(text, kind: .text), now: now)
            while now < end {
                if effects.contains(where: { if case .deliver(let m, _) = $0 { m.text == text } else { false } }) { return true }
                let due = node.nextDeadline(now: now)
                guard due > now else { return false }
                now = due
                effects = node.handle(.tick, now: now)
            }
            return false
        }
    }

    /// One field against one state: every value, each on a fresh node.
    static func run(_ f: Field, _ state: State) -> [String] {
        var problems: [String] = []
        for (name, v) in values(f.kind) {
            let h = Harness(state)
            let before = h.node.stats.implausibleDrops
            let decoded = h.feed(f.make(v))
            let drops = h.node.stats.implausibleDrops - before
            let refused = !decoded || drops > 0
            let what = "\(f.name) = \(name) (\(v)), \(state)"
            if refused != Self.refused(f.kind, name, state) {
                problems.append("\(what): \(refused ? "refused" : "accepted"), expected the opposite")
            }
            if decoded && drops != (refused ? 1 : 0) { problems.append("\(what): \(drops) drops counted") }
            if !h.deliversAlone() { problems.append("\(what): the node no longer delivers") }
            if h.node.ring.map({ $0.epoch > PacketValidator.ceiling }) ?? false { problems.append("\(what): ring above the ceiling") }
        }
        return problems
    }

    static var cases: [(Field, State)] { fields.flatMap { f in State.allCases.map { (f, $0) } } }

    @Test("no trap, no spin, the drop counted, and the node still delivers", arguments: cases)
    func extreme(_ f: Field, _ state: State) {
        let found = Mutex<[String]?>(nil)
        let finished = finishes(within: 60) { found.withLock { $0 = Self.run(f, state) } }
        #expect(finished, "\(f.name), \(state): a spin (the node did not return within 60 s)")
        for p in found.withLock({ $0 }) ?? [] { Issue.record("\(p)") }
    }

    @Test("every numeric field of every packet kind is covered")
    func coverage() {
        let kinds = Set(Self.fields.map { $0.make(1).body.kindName })
        #expect(kinds == ["heartbeat", "token", "tokenAck", "tokenRequest", "data", "nack", "reconcileRequest", "settle", "leave"])
        #expect(Self.cases.count == Self.fields.count * 2)
    }
}

extension Packet.Body {
    var kindName: String {
        switch self {
        case .heartbeat: "heartbeat"
        case .token: "token"
        case .tokenAck: "tokenAck"
        case .tokenRequest: "tokenRequest"
        case .data: "data"
        case .nack: "nack"
        case .reconcileRequest: "reconcileRequest"
        case .settle: "settle"
        case .leave: "leave"
        }
    }
}
