import Testing
@testable import RingChatCore

/// The shell's replica lacks lines the node holds (dropped while the disk
/// was full): the node writes the cached ones at once and asks a live peer
/// that holds the others for them, batch after batch, and writes each
/// answer without showing it again (Node+Refill, docs/STORAGE.md).
@Suite("Replica refill")
struct ReplicaRefillTests {
    static let ring = ringID(1)
    static let stream = StreamID(origin: nodeB, incarnation: 1)

    static func bob(_ n: Int) -> [ChatMessage] { bobHistory(n, ring: ring) }

    static func persisted(_ effects: [Effect]) -> [ChatMessage] {
        effects.flatMap { e -> [ChatMessage] in if case .persist(let ms) = e { ms } else { [] } }
    }

    static func notices(_ effects: [Effect]) -> [String] {
        effects.compactMap { if case .notice(let n) = $0 { n } else { nil } }
    }

    /// A heartbeat of `from` holding counters 1...n of B's stream.
    static func heartbeat(from: NodeID, _ n: Int, counter: UInt64 = 1) -> Packet {
        var log = MessageLog()
        for m in bob(n) { _ = log.insert(m, delivered: true) }
        return packet(from: from, counter: counter,
                      .heartbeat(Heartbeat(nick: "peer", ring: ring, queued: 0, highestEpoch: 1,
                                           digest: log.summary, page: [log.entry(for: stream)])))
    }

    static func answer(from: NodeID, counter: UInt64, _ ms: ArraySlice<ChatMessage>) -> Node.Input {
        .packet(packet(from: from, counter: counter, .data(DataBatch(retransmission: true, messages: Array(ms)))))
    }

    /// A node holding B's 300 lines, with a cache of 16, that heard B and
    /// C (both holding all 300) and D (holding 50).
    func node() -> Node {
        var config = NodeConfig()
        config.reconcileBatch = 100
        config.recentMessages = 16
        let a = Node(id: nodeA, incarnation: 1, nick: "alice", config: config, seed: 1, now: .zero)
        for m in Self.bob(300) { _ = a.log.insert(m, delivered: true) }
        let nodeD = NodeID(0xd0)
        for (p, n) in [(nodeB, 300), (nodeC, 300), (nodeD, 50)] {
            #expect(a.handle(.packet(Self.heartbeat(from: p, n)), now: .milliseconds(1)).reconcileRequests.isEmpty)
        }
        return a
    }

    @Test func theInputWritesTheCachedLinesAndAsksAHolderForTheRest() throws {
        let a = node()
        let all = Self.bob(300)
        let lines = a.replicaLines
        // 16 at most: eviction works an eighth of the cache at a time.
        let cached = UInt32(a.log.cachedCount)
        #expect((14...16).contains(cached))
        let firstCached = 301 - cached
        let e = a.handle(.replicaMissing([StreamRange(stream: Self.stream, counters: 101...300)]), now: .milliseconds(2))
        // The cached lines are written at once; the others are asked of
        // B (a live peer whose digest holds them), the lowest batch first.
        #expect(Self.persisted(e).map(\.id.counter) == Array(firstCached...300))
        let ask = try #require(e.reconcileRequests.first)
        #expect(e.reconcileRequests.count == 1)
        #expect(ask.target == nodeB)
        #expect(ask.ranges == [StreamRange(stream: Self.stream, counters: 101...200)])
        #expect(a.replicaRefillPending == 200 - Int(cached))
        #expect(Self.notices(e) == ["the replica lacks 200 lines that were dropped while it could not be written: \(cached) written from memory, \(200 - cached) asked of peers"])

        // The answer: written, not shown again; the next batch at once.
        let back = a.handle(Self.answer(from: nodeB, counter: 2, all[100..<200]), now: .milliseconds(3))
        #expect(Self.persisted(back).map(\.id.counter) == Array(101...200))
        #expect(back.delivered.isEmpty)
        #expect(back.reconcileRequests.map(\.ranges) == [[StreamRange(stream: Self.stream, counters: 201...(firstCached - 1))]])
        #expect(back.reconcileRequests.first?.target == nodeB)

        // No answer within `reconcileRetry`: the next holder (C) is asked;
        // D, which lacks them, never is.
        #expect(a.handle(.tick, now: .milliseconds(100)).reconcileRequests.isEmpty)
        let retry = a.handle(.tick, now: .milliseconds(404)).reconcileRequests
        #expect(retry.map(\.target) == [nodeC])
        #expect(retry.first?.ranges == [StreamRange(stream: Self.stream, counters: 201...(firstCached - 1))])

        // The rest arrives (a line already written is not written twice).
        let last = a.handle(Self.answer(from: nodeC, counter: 2, all[195..<Int(firstCached - 1)]), now: .milliseconds(405))
        #expect(Self.persisted(last).map(\.id.counter) == Array(201...(firstCached - 1)))
        #expect(last.delivered.isEmpty)
        #expect(Self.notices(last) == ["the replica is complete again: every line it lacked is written again"])
        #expect(a.replicaRefillPending == 0)
        #expect(a.handle(.tick, now: .milliseconds(2_000)).reconcileRequests.isEmpty)
        // The lines were counted in the replica when first stored.
        #expect(a.replicaLines == lines)
        #expect(a.stats.backfills == 0)
    }

    @Test func nothingIsAskedWhileTheDiskIsBehind() {
        let a = node()
        _ = a.handle(.catchUpPaused(true), now: .milliseconds(2))
        let e = a.handle(.replicaMissing([StreamRange(stream: Self.stream, counters: 1...50)]), now: .milliseconds(2))
        #expect(e.reconcileRequests.isEmpty)
        #expect(a.handle(.tick, now: .milliseconds(200)).reconcileRequests.isEmpty)
        _ = a.handle(.catchUpPaused(false), now: .milliseconds(300))
        let asked = a.handle(.tick, now: .milliseconds(300)).reconcileRequests
        // D holds 1...50 too: every live holder is a candidate; B first.
        #expect(asked.map(\.target) == [nodeB])
        #expect(asked.first?.ranges == [StreamRange(stream: Self.stream, counters: 1...50)])
    }

    @Test func countersTheLogDoesNotHoldAreLeftToTheCatchUp() {
        let a = node()
        // 301...400 were never held: the anti-entropy fetches (and writes)
        // them as new lines; the refill asks for nothing.
        let e = a.handle(.replicaMissing([StreamRange(stream: Self.stream, counters: 301...400)]), now: .milliseconds(2))
        #expect(e.reconcileRequests.isEmpty && Self.persisted(e).isEmpty && Self.notices(e).isEmpty)
        #expect(a.replicaRefillPending == 0)
    }
}
