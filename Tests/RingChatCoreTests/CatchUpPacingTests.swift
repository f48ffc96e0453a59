import Testing
@testable import RingChatCore

/// A node that lacks a long history asks for it in batches, the next one as
/// soon as one is complete (not at the next heartbeat), and asks for
/// nothing new while its shell says the disk is behind.
@Suite("Catch-up pacing")
struct CatchUpPacingTests {
    static let ring = ringID(1)
    static let stream = StreamID(origin: nodeB, incarnation: 1)

    static func history(_ n: Int) -> [ChatMessage] { bobHistory(n, ring: ring) }
    static func requests(_ effects: [Effect]) -> [ReconcileRequest] { effects.reconcileRequests }

    /// A heartbeat of B's that holds counters 1...n of its stream.
    static func heartbeat(_ n: Int) -> Packet {
        var log = MessageLog()
        for m in history(n) { _ = log.insert(m, delivered: true) }
        return packet(from: nodeB, .heartbeat(Heartbeat(nick: "bob", ring: ring, queued: 0, highestEpoch: 1,
                                                        digest: log.summary, page: [log.entry(for: stream)])))
    }

    @Test func aCompletedBatchIsFollowedAtOnce() throws {
        var config = NodeConfig()
        config.reconcileBatch = 100
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", config: config, seed: 1, now: .zero)
        let all = Self.history(350)
        let first = try #require(Self.requests(a.handle(.packet(Self.heartbeat(350)), now: .milliseconds(1))).first)
        #expect(first.target == nodeB)
        #expect(first.ranges.map(\.counters) == [1...100])
        // The answer arrives in two datagrams: the follow-up waits for the
        // whole batch, then goes out in the same step, without a heartbeat.
        let half = a.handle(.packet(packet(from: nodeB, counter: 2, .data(DataBatch(retransmission: true, messages: Array(all[0..<50]))))),
                            now: .milliseconds(2))
        #expect(Self.requests(half).isEmpty)
        let rest = a.handle(.packet(packet(from: nodeB, counter: 3, .data(DataBatch(retransmission: true, messages: Array(all[50..<100]))))),
                            now: .milliseconds(3))
        #expect(Self.requests(rest).map { $0.ranges.map(\.counters) } == [[101...200]])
        // While the shell's disk is behind, the next batch waits; the first
        // tick after it clears asks for it.
        #expect(Self.requests(a.handle(.catchUpPaused(true), now: .milliseconds(3))).isEmpty)
        let paused = a.handle(.packet(packet(from: nodeB, counter: 4, .data(DataBatch(retransmission: true, messages: Array(all[100..<200]))))),
                              now: .milliseconds(4))
        #expect(Self.requests(paused).isEmpty)
        #expect(Self.requests(a.handle(.tick, now: .milliseconds(5))).isEmpty)
        #expect(Self.requests(a.handle(.catchUpPaused(false), now: .milliseconds(6))).isEmpty)
        #expect(Self.requests(a.handle(.tick, now: .milliseconds(6))).map { $0.ranges.map(\.counters) } == [[201...300]])
    }

    @Test func anAnswerIsOneBatchFromTheStoreWhenTheCacheHasLetGo() throws {
        var config = NodeConfig()
        config.reconcileBatch = 64
        config.recentMessages = 16
        let b = Node(id: nodeB, incarnation: 1, nick: "bob", config: config, seed: 2, now: .zero)
        let all = Self.history(500)
        for m in all { _ = b.log.insert(m, delivered: true) }
        let store = ArrayHistoryStore(all)
        #expect(b.log.cached.count <= 16)
        // The node asks its shell to read the store, and answers the peer
        // when the shell answers, in the same turn.
        var effects: [Effect] = []
        var reads = 0
        let turns = TurnDriver()
        turns.run(.packet(packet(from: nodeA, .reconcileRequest(ReconcileRequest(target: nodeB,
                                ranges: [StreamRange(stream: Self.stream, counters: 1...400)])))),
                  node: { b }, now: { .milliseconds(1) }, perform: { batch in
            effects += batch
            for case .readHistory(let r) in batch {
                reads += 1
                turns.run(.historyRead(r.id, store.answer(r)), node: { b }, now: { .milliseconds(1) }, perform: { _ in })
            }
        })
        #expect(reads == 1)
        let sent = effects.compactMap { e -> [ChatMessage]? in
            if case .send(let p) = e, case .data(let d) = p.body, d.retransmission { return d.messages }
            return nil
        }.flatMap { $0 }
        #expect(sent.map(\.id.counter) == Array(1...64))
    }
}
