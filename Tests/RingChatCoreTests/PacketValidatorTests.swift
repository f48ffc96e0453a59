import Testing
@testable import RingChatCore

/// `PacketValidator` on its own: which claims pass, which fail, and that the
/// honest extremes (a restart, a partition healed after days, a ring that
/// carried billions of messages) are never refused.
@Suite("PacketValidator: plausible numbers")
struct PacketValidatorTests {
    static let ring = ringID(5)
    static let ceiling = PacketValidator.ceiling
    /// A node in ring 5 that has seen hop 10 and seq 6.
    static let member = PacketValidator.Knowledge(highestEpoch: 5, ring: ring, hop: 10, seq: 6)
    /// A node that heard ring 5 announced but nothing of its progress.
    static let fresh = PacketValidator.Knowledge(highestEpoch: 5, ring: ring)

    static func token(ring: RingID = ring, hop: UInt64 = 11, nextSeq: UInt64 = 7, lineage: RingLineage? = nil) -> Packet {
        packet(from: nodeB, .token(Token(ring: ring, hop: hop, to: nodeA, toIncarnation: 1, nextSeq: nextSeq, lineage: lineage)))
    }

    static func data(_ seq: UInt64, ring: RingID = ring, ts: Int64 = 1_700_000_000_000, retransmission: Bool = false) -> Packet {
        packet(from: nodeB, .data(DataBatch(retransmission: retransmission,
                                            messages: [chat(msgID(nodeB, 1, 1), ring: ring, seq: seq, timestamp: ts)])))
    }

    static func heartbeat(ring: RingID?, highestEpoch: UInt64, lineage: RingLineage? = nil) -> Packet {
        packet(from: nodeB, .heartbeat(Heartbeat(nick: "bob", ring: ring, queued: 0, highestEpoch: highestEpoch,
                                                 digest: MessageLog().summary, page: [], lineage: lineage)))
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var packet: Packet
        var knowledge: PacketValidator.Knowledge
        var accepted: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // Epochs: rings start at 1; at most 2^32 above the highest seen, and below the ceiling.
        Case(name: "ring epoch 0", packet: token(ring: ringID(0)), knowledge: member, accepted: false),
        Case(name: "ring epoch 1 (far behind)", packet: token(ring: ringID(1)), knowledge: member, accepted: true),
        Case(name: "ring epoch at the edge of the window", packet: token(ring: ringID(5 + (1 << 32))), knowledge: member, accepted: true),
        Case(name: "ring epoch one past the window", packet: token(ring: ringID(6 + (1 << 32))), knowledge: member, accepted: false),
        Case(name: "ring epoch 2^63", packet: token(ring: ringID(1 << 63)), knowledge: member, accepted: false),
        Case(name: "ring epoch max-1", packet: token(ring: ringID(.max - 1)), knowledge: member, accepted: false),
        Case(name: "ring epoch max", packet: token(ring: ringID(.max)), knowledge: member, accepted: false),
        Case(name: "ring epoch at the ceiling, highest seen just below",
             packet: token(ring: ringID(ceiling)), knowledge: .init(highestEpoch: ceiling - 1), accepted: true),
        Case(name: "ring epoch past the ceiling, highest seen at it",
             packet: token(ring: ringID(ceiling + 1)), knowledge: .init(highestEpoch: ceiling), accepted: false),
        Case(name: "heartbeat highest epoch max", packet: heartbeat(ring: ring, highestEpoch: .max), knowledge: member, accepted: false),
        Case(name: "heartbeat highest epoch far ahead", packet: heartbeat(ring: ring, highestEpoch: 6 + (1 << 32)), knowledge: member, accepted: false),
        Case(name: "heartbeat highest epoch 0, no ring", packet: heartbeat(ring: nil, highestEpoch: 0), knowledge: member, accepted: true),
        // Hops: at most 2^40 ahead of the highest seen in this ring, when one was seen.
        Case(name: "hop 0", packet: token(hop: 0), knowledge: member, accepted: true),
        Case(name: "hop at the edge of the window", packet: token(hop: 10 + (1 << 40)), knowledge: member, accepted: true),
        Case(name: "hop one past the window", packet: token(hop: 11 + (1 << 40)), knowledge: member, accepted: false),
        Case(name: "hop far ahead, nothing seen of the ring", packet: token(hop: 11 + (1 << 40)), knowledge: fresh, accepted: true),
        Case(name: "hop at the ceiling, nothing seen", packet: token(hop: ceiling), knowledge: fresh, accepted: true),
        Case(name: "hop past the ceiling, nothing seen", packet: token(hop: ceiling + 1), knowledge: fresh, accepted: false),
        Case(name: "hop max", packet: token(hop: .max), knowledge: fresh, accepted: false),
        Case(name: "hop max-1", packet: token(hop: .max - 1), knowledge: member, accepted: false),
        Case(name: "hop of another ring far ahead", packet: token(ring: ringID(4), hop: 1 << 50), knowledge: member, accepted: true),
        // Seqs: from 1; at most 2^40 ahead of the highest known in this ring.
        Case(name: "next seq 0", packet: token(nextSeq: 0), knowledge: member, accepted: false),
        Case(name: "next seq 1 (far behind)", packet: token(nextSeq: 1), knowledge: member, accepted: true),
        Case(name: "next seq 1 in a token this node would take", packet: token(nextSeq: 1),
             knowledge: .init(highestEpoch: 5, ring: ring, hop: 10, seq: 6, me: nodeA, incarnation: 1), accepted: false),
        Case(name: "next seq just above the known seqs in a token this node would take", packet: token(nextSeq: 7),
             knowledge: .init(highestEpoch: 5, ring: ring, hop: 10, seq: 6, me: nodeA, incarnation: 1), accepted: true),
        Case(name: "next seq 1 in a stale token to this node (a late re-send)", packet: token(hop: 9, nextSeq: 1),
             knowledge: .init(highestEpoch: 5, ring: ring, hop: 10, seq: 6, me: nodeA, incarnation: 1), accepted: true),
        Case(name: "next seq one past the window", packet: token(nextSeq: 7 + (1 << 40)), knowledge: member, accepted: false),
        Case(name: "next seq 2^63", packet: token(nextSeq: 1 << 63), knowledge: fresh, accepted: false),
        Case(name: "next seq max", packet: token(nextSeq: .max), knowledge: member, accepted: false),
        Case(name: "next seq 5 billion, nothing known of the ring", packet: token(nextSeq: 5_000_000_000), knowledge: fresh, accepted: true),
        Case(name: "data seq max", packet: data(.max), knowledge: member, accepted: false),
        Case(name: "data seq max-1, retransmitted", packet: data(.max - 1, retransmission: true), knowledge: fresh, accepted: false),
        Case(name: "data seq at the ceiling, nothing known", packet: data(ceiling), knowledge: fresh, accepted: true),
        Case(name: "data seq far ahead", packet: data(7 + (1 << 40)), knowledge: member, accepted: false),
        Case(name: "data seq far ahead in the ring being finished",
             packet: data(100 + (1 << 40), ring: ringID(4)),
             knowledge: .init(highestEpoch: 5, ring: ring, finishing: ringID(4), finishingLast: 99), accepted: false),
        Case(name: "data of an old ring at seq 2^40 (history)", packet: data(1 << 40, ring: ringID(2)), knowledge: member, accepted: true),
        Case(name: "data epoch max", packet: data(1, ring: ringID(.max)), knowledge: member, accepted: false),
        Case(name: "timestamp Int64.min", packet: data(7, ts: .min), knowledge: member, accepted: false),
        Case(name: "timestamp Int64.max", packet: data(7, ts: .max), knowledge: member, accepted: false),
        Case(name: "timestamp before 1970", packet: data(7, ts: -1), knowledge: member, accepted: true),
        // Lineage: the ring it names is judged as any ring; its last seq as a seq of that ring.
        Case(name: "lineage last max", packet: token(lineage: RingLineage(previous: ringID(4), last: .max)), knowledge: member, accepted: false),
        Case(name: "lineage last 0", packet: token(lineage: RingLineage(previous: ringID(4), last: 0)), knowledge: member, accepted: true),
        Case(name: "lineage last far ahead of the current ring",
             packet: token(ring: ringID(6), lineage: RingLineage(previous: ring, last: 7 + (1 << 40))), knowledge: member, accepted: false),
        Case(name: "lineage ring epoch max", packet: token(lineage: RingLineage(previous: ringID(.max), last: 1)), knowledge: member, accepted: false),
        Case(name: "heartbeat lineage last max", packet: heartbeat(ring: ring, highestEpoch: 5, lineage: RingLineage(previous: ringID(4), last: .max)),
             knowledge: member, accepted: false),
        // Header: incarnations and packet counters start at 1.
        Case(name: "header incarnation 0", packet: packet(from: nodeB, incarnation: 0, .tokenRequest(TokenRequest(ring: ring, queued: 1))),
             knowledge: member, accepted: false),
        Case(name: "header incarnation max", packet: packet(from: nodeB, incarnation: .max, .tokenRequest(TokenRequest(ring: ring, queued: 1))),
             knowledge: member, accepted: true),
        Case(name: "header counter 0", packet: packet(from: nodeB, counter: 0, .tokenRequest(TokenRequest(ring: ring, queued: 1))),
             knowledge: member, accepted: false),
        Case(name: "token request queued max", packet: packet(from: nodeB, .tokenRequest(TokenRequest(ring: nil, queued: .max))),
             knowledge: member, accepted: true),
        Case(name: "token request ring epoch max", packet: packet(from: nodeB, .tokenRequest(TokenRequest(ring: ringID(.max), queued: 1))),
             knowledge: member, accepted: false),
        // NACK ranges: their end is a seq of the ring.
        Case(name: "nack of the top seqs", packet: packet(from: nodeB, .nack(Nack(ring: ring, ranges: [(UInt64.max - 1023)...UInt64.max]))),
             knowledge: member, accepted: false),
        Case(name: "nack of seqs 1-1024", packet: packet(from: nodeB, .nack(Nack(ring: ring, ranges: [1...1024]))),
             knowledge: member, accepted: true),
        // Stream counters are 32 bits and any value is served in bounded work.
        Case(name: "reconcile of the top counters",
             packet: packet(from: nodeB, .reconcileRequest(ReconcileRequest(target: nodeA, ranges: [
                StreamRange(stream: StreamID(origin: nodeB, incarnation: .max), counters: (UInt32.max - 4095)...UInt32.max)]))),
             knowledge: member, accepted: true),
    ]

    @Test("each claim is judged by its bound", arguments: cases)
    func judged(_ c: Case) {
        let why = PacketValidator.check(c.packet, knowing: c.knowledge)
        #expect((why == nil) == c.accepted, "\(c.name): \(why.map { "\($0)" } ?? "accepted")")
    }

    @Test("a refusal names the field, the value and the bound")
    func rejectionSaysWhy() throws {
        let why = try #require(PacketValidator.check(Self.token(hop: .max), knowing: Self.member))
        #expect(why.field == "token hop")
        #expect(why.value == "\(UInt64.max)")
        #expect(why.bound == .absolute)
        #expect("\(why)".contains("ceiling"))
        #expect(PacketValidator.check(Self.token(ring: ringID(6 + (1 << 32))), knowing: Self.member)?.bound == .epochWindow)
        #expect(PacketValidator.check(Self.token(hop: 11 + (1 << 40)), knowing: Self.member)?.bound == .seqWindow)
    }

    /// The honest extremes of docs/PROTOCOL.md §12.
    @Test("honest extremes pass: a restart, a partition healed after days, a ring of billions of messages")
    func honestExtremesPass() {
        // A node restarted from a checkpoint that saw epoch 40 meets a group
        // that formed a ring every second for a week meanwhile.
        let restarted = PacketValidator.Knowledge(highestEpoch: 40)
        let week = ringID(40 + 7 * 86_400)
        #expect(PacketValidator.check(Self.heartbeat(ring: week, highestEpoch: week.epoch), knowing: restarted) == nil)
        // A brand-new node (nothing on disk) joins that group.
        #expect(PacketValidator.check(Self.token(ring: week, hop: 1 << 35, nextSeq: 1 << 33), knowing: .init(highestEpoch: 0)) == nil)
        // Two halves of a partition that both re-formed rings for days: the
        // one that moved on sends its history to the other.
        let other = PacketValidator.Knowledge(highestEpoch: 90_000, ring: ringID(90_000), hop: 1 << 30, seq: 1 << 20)
        #expect(PacketValidator.check(Self.data(1 << 31, ring: ringID(300_000), retransmission: true), knowing: other) == nil)
        // A ring that has carried 5 billion messages and passed its token
        // 50 billion times, seen by a member that knows it well.
        let busy = PacketValidator.Knowledge(highestEpoch: 9, ring: ringID(9), hop: 50_000_000_000, seq: 5_000_000_000)
        #expect(PacketValidator.check(Self.token(ring: ringID(9), hop: 50_000_000_001, nextSeq: 5_000_000_065), knowing: busy) == nil)
        #expect(PacketValidator.check(Self.data(5_000_000_064, ring: ringID(9)), knowing: busy) == nil)
    }
}

/// `StoredStateValidator`: replica lines and checkpoints, absolute bounds.
@Suite("StoredStateValidator: what a file may hold")
struct StoredStateValidatorTests {
    static let good = chat(msgID(nodeB, 1, 1), ring: ringID(3), seq: 4)

    @Test("a replica message with an impossible number or length is refused", arguments: [
        ("epoch max", { var m = good; m.slot.ring.epoch = .max; return m }()),
        ("epoch 0", { var m = good; m.slot.ring.epoch = 0; return m }()),
        ("seq 0", { var m = good; m.slot.seq = 0; return m }()),
        ("seq max", { var m = good; m.slot.seq = .max; return m }()),
        ("counter 0", { var m = good; m.id.counter = 0; return m }()),
        ("timestamp min", { var m = good; m.timestamp = .min; return m }()),
        ("empty nick", { var m = good; m.nick = ""; return m }()),
        ("nick of 300 bytes", { var m = good; m.nick = String(repeating: "n", count: 300); return m }()),
        ("text of 70,000 bytes", { var m = good; m.text = String(repeating: "t", count: 70_000); return m }()),
        ("private line in the lobby", { var m = good; m.kind = .private; return m }()),
        ("private line in a room", { var m = good; m.kind = .private; m.room = "#ops"; return m }()),
        ("text line at a private address", { var m = good; m.room = RoomName.address(of: nodeA); return m }()),
    ] as [(String, ChatMessage)])
    func messageRefused(_ name: String, _ m: ChatMessage) {
        #expect(StoredStateValidator.check(m) != nil, "\(name)")
    }

    @Test("ordinary messages and the largest honest values pass")
    func messagePasses() {
        #expect(StoredStateValidator.check(Self.good) == nil)
        var big = Self.good
        big.slot = Slot(ring: ringID(PacketValidator.ceiling), seq: PacketValidator.ceiling)
        big.id.counter = .max
        #expect(StoredStateValidator.check(big) == nil)
        var sealed = Self.good
        sealed.kind = .private
        sealed.room = RoomName.address(of: nodeA)
        sealed.text = String(repeating: "s", count: WireLimits.maxSealedTextBytes)
        #expect(StoredStateValidator.check(sealed) == nil, "a long sealed private line")
    }

    static func checkpoint(_ change: (inout Checkpoint) -> Void = { _ in }) -> Checkpoint {
        var cp = Checkpoint(number: 3, node: nodeA, incarnation: 2, takenAt: 1_700_000_000_000, nick: "alice",
                            replicaCount: 10, lastDelivered: Slot(ring: ringID(3), seq: 9),
                            outbox: [OutboxEntry(id: msgID(nodeA, 2, 4), nick: "alice", text: "hi", kind: .text, timestamp: 1)],
                            ring: ringID(3), members: [nodeA, nodeB], highestEpoch: 3, draft: "")
        change(&cp)
        return cp
    }

    @Test("a checkpoint no honest node could write is refused")
    func checkpointRefused() {
        #expect(StoredStateValidator.check(Self.checkpoint()) == nil)
        let bad: [(String, Checkpoint)] = [
            ("number max", Self.checkpoint { $0.number = .max }),
            ("number 0", Self.checkpoint { $0.number = 0 }),
            ("highest epoch max", Self.checkpoint { $0.highestEpoch = .max }),
            ("negative replica count", Self.checkpoint { $0.replicaCount = .min }),
            ("time Int64.min", Self.checkpoint { $0.takenAt = .min }),
            ("ring epoch max", Self.checkpoint { $0.ring = ringID(.max) }),
            ("last delivered seq max", Self.checkpoint { $0.lastDelivered = Slot(ring: ringID(3), seq: .max) }),
            ("outbox text of 70,000 bytes", Self.checkpoint { $0.outbox[0].text = String(repeating: "x", count: 70_000) }),
            ("outbox counter 0", Self.checkpoint { $0.outbox[0].id.counter = 0 }),
            ("outbox private line in a room", Self.checkpoint { $0.outbox[0].kind = .private; $0.outbox[0].room = "#ops" }),
        ]
        for (name, cp) in bad { #expect(StoredStateValidator.check(cp) != nil, "\(name)") }
    }
}
