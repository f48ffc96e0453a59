import Testing
@testable import RingChatCore

/// The shell talks to the node only through `handle`: the draft, the
/// catch-up pause and the history store's answers are inputs, and one
/// `TurnDriver` runs a turn for every shell.
@Suite("Shell inputs")
struct ShellInputTests {
    static let ring = ringID(1)

    /// B's own messages 1...n, seq = counter.
    static func history(_ n: Int) -> [ChatMessage] {
        (1...n).map { chat(msgID(nodeB, 1, UInt32($0)), ring: ring, seq: UInt64($0)) }
    }

    static func resent(_ effects: [Effect]) -> [ChatMessage] {
        effects.compactMap { e -> [ChatMessage]? in
            if case .send(let p) = e, case .data(let d) = p.body, d.retransmission { return d.messages }
            return nil
        }.flatMap { $0 }
    }

    /// A node with a cache of 16 that holds B's 100 first messages.
    static func forgetfulNode() -> Node {
        var config = NodeConfig()
        config.recentMessages = 16
        let b = Node(id: nodeB, incarnation: 1, nick: "bob", config: config, seed: 2, now: .zero)
        for m in history(100) { _ = b.log.insert(m, delivered: true) }
        return b
    }

    @Test("a NACK for slots the cache let go of is answered once the shell has read them from its store")
    func nackReadsTheStore() throws {
        let b = Self.forgetfulNode()
        let store = ArrayHistoryStore(Self.history(100))
        let nack = packet(from: nodeA, .nack(Nack(ring: Self.ring, ranges: [1...3, 99...100])))
        let asked = b.handle(.packet(nack), now: .milliseconds(1))
        #expect(Self.resent(asked).isEmpty)
        let request = try #require(asked.compactMap { if case .readHistory(let r) = $0 { r } else { nil } }.first)
        #expect(request.reads == [1, 2, 3].map { HistoryRequest.Read.slot(Slot(ring: Self.ring, seq: $0)) })
        let answered = b.handle(.historyRead(request.id, store.answer(request)), now: .milliseconds(1))
        #expect(Self.resent(answered).map(\.id.counter) == [1, 2, 3, 99, 100])
        // An answer is taken once.
        #expect(Self.resent(b.handle(.historyRead(request.id, store.answer(request)), now: .milliseconds(2))).isEmpty)
    }

    @Test("a shell without a store answers empty: the node answers from its cache alone")
    func noStoreAnswersFromTheCache() throws {
        let b = Self.forgetfulNode()
        let nack = packet(from: nodeA, .nack(Nack(ring: Self.ring, ranges: [1...3, 99...100])))
        let asked = b.handle(.packet(nack), now: .milliseconds(1))
        let request = try #require(asked.compactMap { if case .readHistory(let r) = $0 { r } else { nil } }.first)
        #expect(Self.resent(b.handle(.historyRead(request.id, []), now: .milliseconds(1))).map(\.id.counter) == [99, 100])
    }

    @Test("inputs fed while a turn runs are handled in that turn, after the input, and never re-enter the node")
    func turnDriverQueues() {
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        let turns = TurnDriver()
        var batches = 0
        var draftDuringFirstBatch: String?
        turns.run(.tick, node: { a }, now: { .milliseconds(1) }, perform: { _ in
            batches += 1
            if batches == 1 {
                turns.run(.setDraft("half a line"), node: { a }, now: { .milliseconds(1) }, perform: { _ in })
                draftDuringFirstBatch = a.draft
            }
        })
        #expect(draftDuringFirstBatch == "")
        #expect(a.draft == "half a line")
        #expect(batches == 2)
        #expect(!turns.isRunning)
    }

    @Test("a batch of inputs is handled in order in one turn, its effects performed together")
    func turnDriverBatch() {
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        let turns = TurnDriver()
        var performs = 0
        turns.run(batch: [.type("one", kind: .text), .type("two", kind: .action), .setDraft("three")],
                  node: { a }, now: { .milliseconds(1) }, perform: { _ in performs += 1 })
        #expect(performs == 1)
        #expect(a.outbox.map(\.text) == ["one", "two"])
        #expect(a.outbox.map(\.kind) == [.text, .action])
        #expect(a.draft == "three")
        #expect(!turns.isRunning)
    }

    @Test("the catch-up pause and the draft are inputs")
    func pauseAndDraft() {
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        _ = a.handle(.catchUpPaused(true), now: .milliseconds(1))
        #expect(a.catchUpPaused)
        _ = a.handle(.catchUpPaused(false), now: .milliseconds(2))
        #expect(!a.catchUpPaused)
        _ = a.handle(.setDraft("x"), now: .milliseconds(3))
        #expect(a.draft == "x")
    }

    @Test("the next deadline is the earliest named timer")
    func nextDeadlineIsTheEarliestTimer() {
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", seed: 1, now: .zero)
        _ = a.handle(.tick, now: .milliseconds(1))
        let t = a.timers(now: .milliseconds(2))
        #expect(a.nextDeadline(now: .milliseconds(2)) == max(t.next, .milliseconds(3)))
        #expect(t.heartbeat > .milliseconds(1))
        #expect(t.checkpoint == Instant.zero + NodeConfig().checkpointEvery!)
    }
}
