import RingChatCore

/// A node that speaks the wire format exactly (every packet decodes) but
/// fills the numbers with extremes: the minimum, the maximum, the maximum
/// minus one, 2^63, just past the ceiling, far ahead of the ring it
/// overheard, and far behind. It learns the honest nodes' ids,
/// incarnations, ring, hop and seq from what they multicast, as a real
/// attacker on the LAN would.
///
/// What it never sends is a packet an honest node would accept *and* that
/// forges the history or the token: a plausible token addressed to a real
/// member, or a plausible chat message. Those need no extreme number, only
/// the lack of a group key (the hostile-input issue's SECURITY.md); with
/// them the invariants could not hold by construction. Its tokens that are
/// plausible (far ahead, but within the validator's window) are addressed
/// to an id that is nobody's, so they still reach every node's state
/// machine.
final class HostileNode {
    let id: NodeID
    private var counter: UInt64 = 0
    private(set) var sent = 0

    // What it has overheard.
    private var members: [NodeID: UInt32] = [:]
    private var ring: RingID?
    private var highestEpoch: UInt64 = 0
    private var hop: UInt64 = 0
    private var nextSeq: UInt64 = 1
    private var streams: [StreamID] = []

    init(id: NodeID) { self.id = id }

    /// Absolutely implausible values of a u64 epoch, hop or seq.
    static let absurd: [UInt64] = [.max, .max - 1, 1 << 63, PacketValidator.ceiling + 1]

    /// Learns from an honest node's datagram.
    func overhear(_ bytes: [UInt8]) {
        guard let p = try? WireCodec.decode(bytes) else { return }
        members[p.sender] = p.incarnation
        switch p.body {
        case .heartbeat(let h):
            highestEpoch = max(highestEpoch, h.highestEpoch)
            if let r = h.ring, ring.map({ r > $0 }) ?? true { enter(r) }
            for e in h.page where !streams.contains(e.stream) && streams.count < 64 { streams.append(e.stream) }
        case .token(let t):
            see(t.ring, hop: t.hop, nextSeq: t.nextSeq)
        case .tokenAck(let a):
            see(a.ring, hop: a.hop, nextSeq: a.nextSeq)
        case .data(let d):
            for m in d.messages where m.slot.ring == ring { nextSeq = max(nextSeq, m.slot.seq.addingSaturating(1)) }
        case .tokenRequest, .nack, .reconcileRequest, .settle, .leave:
            break
        }
    }

    private func enter(_ r: RingID) {
        ring = r
        highestEpoch = max(highestEpoch, r.epoch)
        hop = 0
        nextSeq = 1
    }

    private func see(_ r: RingID, hop h: UInt64, nextSeq n: UInt64) {
        if ring.map({ r > $0 }) ?? true { enter(r) }
        guard r == ring else { return }
        hop = max(hop, h)
        nextSeq = max(nextSeq, n)
    }

    /// The next crafted packet.
    func craft(_ g: inout SplitMix64) -> Packet {
        counter += 1
        sent += 1
        var incarnation: UInt32 = 1
        var packetCounter = counter
        let body: Packet.Body
        switch g.next() % 9 {
        case 0: body = implausibleHeartbeat(&g)
        case 1: body = plausibleHeartbeat(&g)
        case 2: body = token(&g)
        case 3: body = ack(&g)
        case 4: body = data(&g)
        case 5: body = tokenRequest(&g)
        case 6: body = nack(&g)
        case 7: body = reconcile(&g)
        default:
            // A header no honest node sends, around an ordinary body.
            body = .tokenRequest(TokenRequest(ring: ring, queued: 1))
            if g.next() % 2 == 0 { incarnation = 0 } else { packetCounter = 0 }
        }
        return Packet(sender: id, incarnation: incarnation, counter: packetCounter, body: body)
    }

    // MARK: pieces

    private var currentRing: RingID { ring ?? RingID(epoch: 1, creator: id, incarnation: 1) }

    private func pick<T>(_ xs: [T], _ g: inout SplitMix64) -> T { xs[Int(g.next() % UInt64(xs.count))] }

    /// A ring whose epoch no honest node could claim, whatever it knows.
    private func absurdRing(_ g: inout SplitMix64) -> RingID {
        RingID(epoch: pick(Self.absurd + [0], &g), creator: currentRing.creator, incarnation: currentRing.incarnation)
    }

    /// A ring far above the highest epoch overheard: implausible to a node
    /// that knows as much, but a node that knows more (the overheard
    /// epoch lags) may accept it. Only where accepting it forges nothing.
    private func farRing(_ g: inout SplitMix64) -> RingID {
        let epochs = Self.absurd + [0, highestEpoch.addingSaturating(PacketValidator.epochWindow + 1)]
        return RingID(epoch: pick(epochs, &g), creator: id, incarnation: 1)
    }

    private func absurdLineage(_ g: inout SplitMix64) -> RingLineage {
        g.next() % 2 == 0
            ? RingLineage(previous: currentRing, last: pick(Self.absurd, &g))
            : RingLineage(previous: absurdRing(&g), last: 1)
    }

    private func implausibleHeartbeat(_ g: inout SplitMix64) -> Packet.Body {
        var hb = Heartbeat(nick: "hostile", ring: ring, queued: 0, highestEpoch: highestEpoch,
                           digest: DigestSummary(streams: 0, messages: 0, hash: 0), page: [])
        switch g.next() % 3 {
        case 0: hb.ring = farRing(&g)
        case 1: hb.highestEpoch = pick(Self.absurd + [highestEpoch.addingSaturating(PacketValidator.epochWindow + 1)], &g)
        default: hb.lineage = absurdLineage(&g)
        }
        return .heartbeat(hb)
    }

    /// Extremes an honest node could send: every counter at its maximum,
    /// and an epoch at the very edge of the window. The epoch moves the
    /// group to a ring with no token (they form a new one); the counters
    /// make them ask this node for four billion messages it never sends.
    private func plausibleHeartbeat(_ g: inout SplitMix64) -> Packet.Body {
        let page = streams.prefix(WireLimits.maxDigestPage).map {
            DigestEntry(stream: $0, contiguous: .max, max: .max, count: .max, setHash: g.next())
        }
        let edge = highestEpoch.addingSaturating(PacketValidator.epochWindow)
        let jump = g.next() % 4 == 0 && edge <= PacketValidator.ceiling
        return .heartbeat(Heartbeat(nick: "hostile", ring: jump ? RingID(epoch: edge, creator: id, incarnation: 1) : ring,
                                    queued: .max, highestEpoch: jump ? edge : highestEpoch,
                                    digest: DigestSummary(streams: .max, messages: .max, hash: g.next()),
                                    page: Array(page)))
    }

    private func token(_ g: inout SplitMix64) -> Packet.Body {
        var t = Token(ring: currentRing, hop: hop.addingSaturating(1), to: id, toIncarnation: 1, nextSeq: nextSeq)
        if !members.isEmpty {
            let (member, inc) = pick(members.sorted { $0.key < $1.key }, &g)
            t.to = member
            t.toIncarnation = inc
        }
        switch g.next() % 5 {
        case 0: t.ring = absurdRing(&g)
        case 1: t.hop = pick(Self.absurd, &g)
        case 2: t.nextSeq = pick(Self.absurd + [0], &g)
        case 3: t.lineage = absurdLineage(&g)
        default:
            // Far ahead but inside the window, far behind, or at the
            // minimum: plausible, so addressed to nobody.
            t.to = NodeID(id.raw ^ 1)
            t.hop = pick([hop.addingSaturating(PacketValidator.seqWindow), 0, 1], &g)
            t.nextSeq = pick([nextSeq.addingSaturating(PacketValidator.seqWindow), 1], &g)
        }
        return .token(t)
    }

    private func ack(_ g: inout SplitMix64) -> Packet.Body {
        var a = TokenAck(ring: currentRing, hop: hop, nextSeq: nextSeq)
        switch g.next() % 5 {
        case 0: a.ring = farRing(&g)
        case 1: a.hop = pick(Self.absurd, &g)
        case 2: a.nextSeq = pick(Self.absurd + [0], &g)
        case 3: a.lineage = absurdLineage(&g)
        default:
            a.hop = pick([hop.addingSaturating(PacketValidator.seqWindow), 0], &g)
            a.nextSeq = pick([nextSeq.addingSaturating(PacketValidator.seqWindow), 1], &g)
        }
        return .tokenAck(a)
    }

    /// Chat messages whose ring, seq, timestamp or lineage no honest node
    /// could send (a plausible one would be a forgery, not an extreme).
    private func data(_ g: inout SplitMix64) -> Packet.Body {
        var m = ChatMessage(id: MessageID(origin: id, incarnation: 1, counter: UInt32(truncatingIfNeeded: counter) | 1),
                            nick: "hostile", text: "extreme", slot: Slot(ring: currentRing, seq: nextSeq),
                            timestamp: 1_700_000_000_000)
        if g.next() % 4 == 0 { m.id.counter = .max }
        switch g.next() % 4 {
        case 0: m.slot.ring = absurdRing(&g)
        case 1: m.slot.seq = pick(Self.absurd, &g)
        case 2: m.timestamp = pick([.min, .max, .min + 1], &g)
        default:
            // Only a fresh batch carries a lineage, so this one is fresh.
            return .data(DataBatch(retransmission: false, messages: [m], lineage: absurdLineage(&g)))
        }
        return .data(DataBatch(retransmission: g.next() % 2 == 0, messages: [m]))
    }

    private func tokenRequest(_ g: inout SplitMix64) -> Packet.Body {
        g.next() % 2 == 0
            ? .tokenRequest(TokenRequest(ring: farRing(&g), queued: .max))
            : .tokenRequest(TokenRequest(ring: ring, queued: .max))
    }

    private func nack(_ g: inout SplitMix64) -> Packet.Body {
        switch g.next() % 3 {
        case 0: return .nack(Nack(ring: farRing(&g), ranges: [1...1]))
        case 1: return .nack(Nack(ring: currentRing, ranges: [(UInt64.max - WireLimits.maxNackSpan + 1)...UInt64.max]))
        default:
            // Far behind and plausible: the origins answer with real lines.
            return .nack(Nack(ring: currentRing, ranges: [1...WireLimits.maxNackSpan]))
        }
    }

    /// Counters are 32 bits and any value is plausible: the top of the
    /// range, and the bottom, of streams that exist.
    private func reconcile(_ g: inout SplitMix64) -> Packet.Body {
        let target = members.isEmpty ? id : pick(members.keys.sorted(), &g)
        let stream = streams.isEmpty ? StreamID(origin: target, incarnation: 1) : pick(streams, &g)
        let top = (UInt32.max - WireLimits.maxReconcileSpan + 1)...UInt32.max
        let bottom = UInt32(1)...WireLimits.maxReconcileSpan
        return .reconcileRequest(ReconcileRequest(target: target, ranges: [StreamRange(stream: stream, counters: g.next() % 2 == 0 ? top : bottom)]))
    }
}
