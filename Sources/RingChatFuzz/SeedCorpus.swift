import RingChatCore
import RingChatIO
import RingChatStorage

/// Valid inputs of every kind for each target, the starting points of
/// mutation: each packet kind (with lineage and without, extreme numbers
/// included), replica lines and checkpoint files.
public enum SeedCorpus {
    public static func seeds(for target: FuzzTarget) -> [[UInt8]] {
        switch target {
        case .wire:
            let plain = packets.map(WireCodec.encode)
            let seal = PacketSeal(key: try! GroupKey(bytes: Array(repeating: 7, count: 32)))
            return plain + plain.prefix(4).map(seal.seal)
        case .replica:
            // A file of every kind of line, one line alone, a torn line, an
            // empty file, and a file mixing lines of the format before the
            // version with current ones (an upgraded replica).
            let lines = messages.map { ReplicaLineCodec.line(for: $0) }
            let mixed = ReplicaLineCodec.line(for: messages[0], version: ReplicaLineCodec.unversioned) + lines[1]
            return [lines.joined().map { $0 }, lines[0], Array(lines[1].dropLast())] + [[], mixed]
        case .checkpoint:
            return [try! CheckpointStore.encode(checkpoint)]
        }
    }

    static let node = NodeID(0x00a1_b2c3_d4e5_f607)
    static let ring = RingID(epoch: 3, creator: node, incarnation: 2)
    static let lineage = RingLineage(previous: RingID(epoch: 2, creator: NodeID(9), incarnation: 1), last: 41)

    static let messages: [ChatMessage] = (1...4).map(message)

    static func message(_ i: Int) -> ChatMessage {
        let id = MessageID(origin: node, incarnation: 2, counter: UInt32(i))
        let nick = i == 2 ? "zoë" : "al"
        let text = i == 3 ? "日本語 🎉 \u{1B}[2J" : "line \(i)"
        let kind: MessageKind = i == 4 ? .action : .text
        let timestamp: Int64 = 1_700_000_000_000 + Int64(i)
        return ChatMessage(id: id, nick: nick, text: text, kind: kind, slot: Slot(ring: ring, seq: UInt64(i)), timestamp: timestamp)
    }

    static let checkpoint = Checkpoint(
        number: 3, node: node, incarnation: 2, takenAt: 1_700_000_000_000, nick: "zoë", replicaCount: 4,
        lastDelivered: Slot(ring: ring, seq: 4),
        outbox: [OutboxEntry(id: MessageID(origin: node, incarnation: 2, counter: 9), nick: "zoë", text: "unsent", kind: .text, timestamp: 5)],
        ring: ring, members: [node, NodeID(7)], highestEpoch: 3, draft: "half-typed")

    static let packets: [Packet] = {
        let stream = StreamID(origin: node, incarnation: 2)
        let bodies: [Packet.Body] = [
            .heartbeat(Heartbeat(nick: "zoë", ring: ring, queued: 2, highestEpoch: 3,
                                 digest: DigestSummary(streams: 1, messages: 4, hash: 0xFEED),
                                 page: [DigestEntry(stream: stream, contiguous: 4, max: 4, count: 4, setHash: 9)], lineage: lineage)),
            .heartbeat(Heartbeat(nick: "x", ring: nil, queued: 0, highestEpoch: 0,
                                 digest: DigestSummary(streams: 0, messages: 0, hash: 0), page: [])),
            .token(Token(ring: ring, hop: 17, to: NodeID(7), toIncarnation: 1, nextSeq: 5, lineage: lineage)),
            .token(Token(ring: RingID(epoch: .max, creator: NodeID(.max), incarnation: .max), hop: .max, to: node,
                         toIncarnation: 2, nextSeq: .max)),
            .tokenAck(TokenAck(ring: ring, hop: 17, nextSeq: 5, lineage: lineage)),
            .tokenRequest(TokenRequest(ring: ring, queued: 3)),
            .tokenRequest(TokenRequest(ring: nil, queued: 0)),
            .data(DataBatch(retransmission: false, messages: messages, lineage: lineage)),
            .data(DataBatch(retransmission: true, messages: [messages[2]])),
            .nack(Nack(ring: ring, ranges: [1...3, 7...7])),
            .reconcileRequest(ReconcileRequest(target: NodeID(7), ranges: [StreamRange(stream: stream, counters: 1...4)])),
            .leave(Leave(ring: ring, took: 5)),
            .leave(Leave(ring: nil, took: 0)),
        ]
        return bodies.enumerated().map { i, b in Packet(sender: node, incarnation: 2, counter: UInt64(i + 1), body: b) }
    }()
}
