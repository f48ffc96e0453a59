import RingChatCore

enum Fixture {
    static let node = NodeID(0x00a1_b2c3_d4e5_f607)
    static let ring = RingID(epoch: 3, creator: node, incarnation: 2)

    static func message(_ i: Int, text: String? = nil) -> ChatMessage {
        ChatMessage(id: MessageID(origin: node, incarnation: 2, counter: UInt32(i)),
                    nick: "zoë", text: text ?? "line \(i) / with \"quotes\" and é",
                    kind: i % 5 == 0 ? .action : .text,
                    slot: Slot(ring: ring, seq: UInt64(i)), timestamp: 1_700_000_000_000 + Int64(i))
    }

    static func checkpoint(_ n: UInt64, replicaCount: Int = 10) -> Checkpoint {
        Checkpoint(number: n, node: node, incarnation: 2, takenAt: 1_700_000_000_000 + Int64(n), nick: "zoë",
                   replicaCount: replicaCount, lastDelivered: Slot(ring: ring, seq: UInt64(replicaCount)),
                   outbox: [OutboxEntry(id: MessageID(origin: node, incarnation: 2, counter: 99), nick: "zoë",
                                        text: "unsent", kind: .text, timestamp: 5)],
                   ring: ring, members: [node, NodeID(7)], highestEpoch: 3, draft: "half-typed")
    }
}
