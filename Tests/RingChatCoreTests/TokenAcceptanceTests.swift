import Testing
@testable import RingChatCore

/// Token duplicate and stale rejection, driven through `Node`: node A
/// (incarnation 2) has joined ring `ring` (epoch 5, created by B) and hears
/// B and C.
@Suite("Token acceptance through Node")
struct TokenAcceptanceTests {
    static let ring = ringID(5)

    final class Harness {
        let node = Node(id: nodeA, incarnation: 2, nick: "alice", seed: 3, now: .milliseconds(0))
        var counter: UInt64 = 0
        var now = Instant.milliseconds(0)

        init() {
            for peer in [nodeB, nodeC] {
                let hb = Heartbeat(nick: "p\(peer.short)", ring: TokenAcceptanceTests.ring, queued: 0, highestEpoch: 5,
                                   digest: MessageLog().summary, page: [])
                _ = handle(from: peer, .heartbeat(hb))
            }
        }

        func handle(from sender: NodeID, _ body: Packet.Body) -> [Effect] {
            counter += 1
            now = now + .milliseconds(5)
            return node.handle(.packet(packet(from: sender, counter: counter, body)), now: now)
        }

        func token(from sender: NodeID = nodeB, ring: RingID = TokenAcceptanceTests.ring, hop: UInt64, to: NodeID = nodeA,
                   toIncarnation: UInt32 = 2, nextSeq: UInt64 = 7) -> [Effect] {
            handle(from: sender, .token(Token(ring: ring, hop: hop, to: to, toIncarnation: toIncarnation, nextSeq: nextSeq)))
        }
    }

    @Test("the harness node is in the ring, holding nothing")
    func setup() {
        let h = Harness()
        #expect(h.node.ring == Self.ring)
        #expect(h.node.holding == nil)
        #expect(h.node.membership.successor(now: h.now, timeout: h.node.config.memberTimeout) == nodeB)
    }

    @Test("a token addressed to this node in its incarnation is accepted: granted, and a TokenAck sent")
    func accepted() throws {
        let h = Harness()
        let e = h.token(hop: 5, nextSeq: 7)
        #expect(e.grants == [.granted(ring: Self.ring, hop: 5, from: nodeB)])
        let acks = e.sentPackets.filter { if case .tokenAck = $0.body { true } else { false } }
        let ack = try #require(acks.first)
        #expect(acks.count == 1)
        #expect(ack.sender == nodeA)
        #expect(ack.incarnation == 2)
        #expect(ack.body == .tokenAck(TokenAck(ring: Self.ring, hop: 5, nextSeq: 7)))
        #expect(h.node.holding?.hop == 5)
        #expect(h.node.holding?.nextSeq == 7)
        #expect(h.node.status.holder == nodeA)
    }

    @Test("a holder with typed lines sends them from the token's nextSeq, then passes hop+1 to its successor")
    func holderSendsAndPasses() throws {
        let h = Harness()
        _ = h.node.handle(.type("one", kind: .text), now: h.now)
        _ = h.node.handle(.type("two", kind: .action), now: h.now)
        let e = h.token(hop: 5, nextSeq: 7)
        #expect(e.grants.count == 1)
        let sent = e.sentPackets.compactMap { if case .data(let d) = $0.body { d } else { nil } }
        #expect(sent.count == 1)
        #expect(sent.first?.retransmission == false)
        #expect(sent.first?.messages.map(\.slot) == [Slot(ring: Self.ring, seq: 7), Slot(ring: Self.ring, seq: 8)])
        #expect(sent.first?.messages.map(\.text) == ["one", "two"])
        #expect(sent.first?.messages.map(\.id) == [msgID(nodeA, 2, 1), msgID(nodeA, 2, 2)])
        // Nobody waits: the holder keeps the token until the shell's turn
        // ends (no ack: its data already told the predecessor).
        #expect(e.sentPackets.allSatisfy { if case .data = $0.body { true } else { false } })
        #expect(h.node.wantsTurnEnd)
        let end = h.node.handle(.turnEnd, now: h.now)
        let pass = end.sentPackets.compactMap { if case .token(let t) = $0.body { t } else { nil } }
        #expect(pass == [Token(ring: Self.ring, hop: 6, to: nodeB, toIncarnation: 1, nextSeq: 9)])
        #expect(end.tokenEvents.contains(.passed(ring: Self.ring, hop: 6, to: nodeB)))
        #expect(h.node.holding == nil)
        #expect(!h.node.wantsTurnEnd)
        #expect(h.node.outbox.isEmpty)
    }

    @Test("a line typed before the turn ends goes out in the same visit; the visit never exceeds maxBatch")
    func linesOfTheSameTurnJoinTheVisit() throws {
        let h = Harness()
        _ = h.node.handle(.type("first", kind: .text), now: h.now)
        _ = h.token(hop: 5, nextSeq: 7)
        let more = h.node.handle(.type("answer", kind: .text), now: h.now)
        let sent = more.sentPackets.compactMap { if case .data(let d) = $0.body { d } else { nil } }
        #expect(sent.flatMap(\.messages).map(\.slot) == [Slot(ring: Self.ring, seq: 8)])
        #expect(h.node.holding?.hop == 5, "still ours until the turn ends")
        // Fill the visit: the line beyond maxBatch waits, and the token
        // goes at once (lines are left).
        var last: [Effect] = []
        for i in 0..<(h.node.config.maxBatch - 2 + 1) { last = h.node.handle(.type("l\(i)", kind: .text), now: h.now) }
        #expect(h.node.outbox.count == 1)
        #expect(h.node.holding == nil)
        #expect(last.tokenEvents.contains(.passed(ring: Self.ring, hop: 6, to: nodeB)))
        let pass = last.sentPackets.compactMap { if case .token(let t) = $0.body { t } else { nil } }
        #expect(pass.first?.nextSeq == 7 + UInt64(h.node.config.maxBatch))
    }

    @Test("a shell's answer fed before the turn end (TurnDriver.beforeTurnEnd) leaves in the same visit, then the token passes")
    func answerBeforeTurnEndJoinsTheVisit() throws {
        let h = Harness()
        _ = h.node.handle(.type("first", kind: .text), now: h.now)
        let turns = TurnDriver()
        var answered = 0
        turns.beforeTurnEnd = {
            // The shell's program answers the first delivery only.
            guard answered == 0 else { return }
            answered += 1
            turns.run(.type("answer", kind: .text), node: { h.node }, now: { h.now }, perform: { _ in })
        }
        var effects: [Effect] = []
        let t = Token(ring: Self.ring, hop: 5, to: nodeA, toIncarnation: 2, nextSeq: 7)
        turns.run(.packet(packet(from: nodeB, counter: 99, .token(t))), node: { h.node }, now: { h.now },
                  perform: { effects += $0 })
        #expect(answered == 1)
        // Queued inputs' effects go to the running turn's `perform`.
        let kinds = effects.sentPackets.compactMap { p -> String? in
            switch p.body {
            case .data(let d): d.messages.map(\.text).joined(separator: ",")
            case .token(let t): "pass \(t.hop) next \(t.nextSeq)"
            default: nil
            }
        }
        #expect(kinds == ["first", "answer", "pass 6 next 9"])
        #expect(h.node.holding == nil)
        #expect(h.node.outbox.isEmpty)
    }

    @Test("without a turn end, the next tick passes the deferred token")
    func tickPassesDeferredToken() {
        let h = Harness()
        _ = h.node.handle(.type("one", kind: .text), now: h.now)
        _ = h.token(hop: 5, nextSeq: 7)
        #expect(h.node.wantsTurnEnd)
        #expect(h.node.nextDeadline(now: h.now) <= h.now + .milliseconds(1))
        let e = h.node.handle(.tick, now: h.now + .milliseconds(1))
        #expect(e.tokenEvents.contains(.passed(ring: Self.ring, hop: 6, to: nodeB)))
        #expect(h.node.holding == nil)
    }

    @Test("a token from a lower ring is ignored", arguments: [
        ringID(4),                                    // lower epoch
        ringID(5, creator: nodeA),                    // same epoch, lower creator
        ringID(5, creator: nodeB, incarnation: 0),    // same epoch and creator, older incarnation
    ])
    func lowerRingIgnored(lower: RingID) {
        let h = Harness()
        let e = h.token(ring: lower, hop: 50)
        #expect(e.grants.isEmpty)
        #expect(e.tokenAcks.isEmpty)
        #expect(e.tokenEvents.isEmpty)
        #expect(h.node.ring == Self.ring)
        #expect(h.node.holding == nil)
        #expect(h.node.stats.staleTokens == 1)
        // The ring's own token is still accepted afterwards at a low hop.
        #expect(h.token(hop: 1).grants.count == 1)
    }

    @Test("a token from a higher ring moves the node to that ring and is accepted")
    func higherRingAccepted() {
        let h = Harness()
        let higher = ringID(6, creator: nodeC)
        let e = h.token(from: nodeC, ring: higher, hop: 1, nextSeq: 1)
        #expect(e.tokenEvents.contains(.ringChanged(old: Self.ring, new: higher)))
        #expect(e.grants == [.granted(ring: higher, hop: 1, from: nodeC)])
        #expect(h.node.ring == higher)
    }

    @Test("a duplicate or older hop is ignored, even when addressed to this node")
    func duplicateHopIgnored() {
        let h = Harness()
        // Hop 4 goes to C; A only notes who holds it.
        let first = h.token(hop: 4, to: nodeC, toIncarnation: 1)
        #expect(first.tokenEvents == [.holderChanged(nodeC)])
        // The same pass again (duplicated by the network): nothing happens.
        let dup = h.token(hop: 4, to: nodeC, toIncarnation: 1)
        #expect(dup.tokenEvents.isEmpty)
        #expect(dup.sentPackets.isEmpty)
        // A forged or confused hop 4 (or older) addressed to A is not a grant.
        for hop: UInt64 in [4, 3, 1] {
            let e = h.token(hop: hop)
            #expect(e.grants.isEmpty, "hop \(hop)")
            #expect(e.tokenAcks.isEmpty, "hop \(hop)")
        }
        #expect(h.node.holding == nil)
        #expect(h.node.stats.staleTokens == 4)
    }

    @Test("a re-sent pass already accepted is not granted twice; the lost ack is sent again")
    func resentPassReAcked() {
        let h = Harness()
        #expect(h.token(hop: 5).grants.count == 1)
        let again = h.token(hop: 5)
        #expect(again.grants.isEmpty)
        #expect(again.tokenAcks == [TokenAck(ring: Self.ring, hop: 5, nextSeq: 7)])
        #expect(h.node.holding?.hop == 5)
    }

    @Test("a token addressed to this node in another incarnation is not accepted", arguments: [0, 1, 3] as [UInt32])
    func otherIncarnationNotAccepted(toIncarnation: UInt32) {
        let h = Harness()
        let e = h.token(hop: 5, toIncarnation: toIncarnation)
        #expect(e.grants.isEmpty)
        #expect(e.tokenAcks.isEmpty)
        #expect(h.node.holding == nil)
        // ...and its re-sends are not either.
        let again = h.token(hop: 5, toIncarnation: toIncarnation)
        #expect(again.grants.isEmpty)
        #expect(again.tokenAcks.isEmpty)
        // The next pass addressed to the current incarnation is.
        #expect(h.token(hop: 6).grants == [.granted(ring: Self.ring, hop: 6, from: nodeB)])
    }

    @Test("a token from this node's own id (multicast loopback) is ignored")
    func ownTokenIgnored() {
        let h = Harness()
        let e = h.token(from: nodeA, hop: 5)
        #expect(e.isEmpty)
        #expect(h.node.holding == nil)
    }

    @Test("a pass made by the sender's previous incarnation is taken, but refreshes nothing about the sender")
    func tokenFromSendersOldIncarnationTaken() {
        let h = Harness()
        // B restarted: its new incarnation's heartbeat overtook the pass its
        // old incarnation made just before it crashed.
        let hb = Heartbeat(nick: "b", ring: Self.ring, queued: 0, highestEpoch: 5, digest: MessageLog().summary, page: [])
        _ = h.node.handle(.packet(Packet(sender: nodeB, incarnation: 3, counter: 1, body: .heartbeat(hb))), now: h.now)
        let heard = h.node.membership.peers[nodeB]?.lastHeard
        let old = Packet(sender: nodeB, incarnation: 1, counter: 99,
                         body: .token(Token(ring: Self.ring, hop: 9, to: nodeA, toIncarnation: 2, nextSeq: 7)))
        let e = h.node.handle(.packet(old), now: h.now + .milliseconds(30))
        // The new incarnation holds nothing: this is the ring's one token.
        #expect(e.grants == [.granted(ring: Self.ring, hop: 9, from: nodeB)])
        #expect(h.node.holding?.hop == 9)
        #expect(h.node.membership.peers[nodeB]?.incarnation == 3)
        #expect(h.node.membership.peers[nodeB]?.lastHeard == heard)
        // Anything else from the old incarnation is still ignored.
        let request = Packet(sender: nodeB, incarnation: 1, counter: 100, body: .tokenRequest(TokenRequest(ring: Self.ring, queued: 3)))
        #expect(h.node.handle(.packet(request), now: h.now + .milliseconds(31)).sentPackets.isEmpty)
        #expect(h.node.membership.peers[nodeB]?.lastHeard == heard)
    }
}
