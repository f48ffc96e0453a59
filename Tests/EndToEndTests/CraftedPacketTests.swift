import Foundation
import Glibc
import Testing
import RingChatCore
import RingChatIO
import RingChatStorage

extension EndToEnd {
    /// Well-formed datagrams with extreme numbers, sent to real `ringchat`
    /// processes by a crafted peer that knows their ids and incarnations
    /// from their heartbeats (issue 9: one such datagram used to kill every
    /// node). After each one, both nodes must still run, still deliver a
    /// line typed at either of them, and count exactly the datagrams no
    /// honest node could have sent (`implausibleDrops` in `/stats`).
    @Suite struct CraftedPackets {
        struct Scenario {
            var name: String
            /// Whether the nodes must drop it as implausible.
            var refused: Bool
            var send: (CraftedPeer, _ alice: (id: NodeID, incarnation: UInt32)) throws -> Void
        }

        static let ceiling = PacketValidator.ceiling

        static func ring(_ p: CraftedPeer, epoch: UInt64? = nil) -> RingID {
            let r = p.ring!
            return epoch.map { RingID(epoch: $0, creator: r.creator, incarnation: r.incarnation) } ?? r
        }

        static func heartbeat(_ p: CraftedPeer, ring: RingID?, highestEpoch: UInt64, lineage: RingLineage? = nil,
                              page: [DigestEntry] = []) -> Packet.Body {
            .heartbeat(Heartbeat(nick: "crafted", ring: ring, queued: 0, highestEpoch: highestEpoch,
                                 digest: DigestSummary(streams: UInt32(page.count), messages: 0, hash: 0), page: page,
                                 lineage: lineage))
        }

        static func message(_ p: CraftedPeer, ring: RingID, seq: UInt64, ts: Int64 = 1_700_000_000_000) -> ChatMessage {
            ChatMessage(id: MessageID(origin: p.id, incarnation: 1, counter: 1), nick: "crafted", text: "poison",
                        slot: Slot(ring: ring, seq: seq), timestamp: ts)
        }

        static func token(_ p: CraftedPeer, to: (id: NodeID, incarnation: UInt32), ring r: RingID? = nil,
                          hop: UInt64? = nil, nextSeq: UInt64? = nil, lineage: RingLineage? = nil) -> Packet.Body {
            .token(Token(ring: r ?? ring(p), hop: hop ?? p.hop + 1, to: to.id, toIncarnation: to.incarnation,
                         nextSeq: nextSeq ?? p.nextSeq, lineage: lineage))
        }

        static func ack(_ p: CraftedPeer, ring r: RingID? = nil, hop: UInt64? = nil, nextSeq: UInt64? = nil) -> Packet.Body {
            .tokenAck(TokenAck(ring: r ?? ring(p), hop: hop ?? p.hop, nextSeq: nextSeq ?? p.nextSeq))
        }

        /// In order: every implausible one first (they must leave no trace),
        /// then the plausible extremes (they make the crafted peer a member
        /// the ring passes the token to, and one moves the group to a new
        /// ring, which the nodes survive by forming another).
        static var scenarios: [Scenario] { [
            // Epochs: maximum, maximum minus one, 2^63, zero, far ahead.
            Scenario(name: "heartbeat announcing ring epoch 2^64-1", refused: true) { p, _ in
                try p.send(heartbeat(p, ring: ring(p, epoch: .max), highestEpoch: p.highestEpoch))
            },
            Scenario(name: "heartbeat claiming highest epoch 2^64-1", refused: true) { p, _ in
                try p.send(heartbeat(p, ring: nil, highestEpoch: .max))
            },
            Scenario(name: "heartbeat announcing ring epoch 2^64-2", refused: true) { p, _ in
                try p.send(heartbeat(p, ring: ring(p, epoch: .max - 1), highestEpoch: p.highestEpoch))
            },
            Scenario(name: "heartbeat announcing a ring 2^36 epochs ahead", refused: true) { p, _ in
                try p.send(heartbeat(p, ring: ring(p, epoch: p.highestEpoch + (1 << 36)), highestEpoch: p.highestEpoch))
            },
            Scenario(name: "heartbeat with lineage last seq 2^64-1", refused: true) { p, _ in
                try p.send(heartbeat(p, ring: ring(p), highestEpoch: p.highestEpoch, lineage: RingLineage(previous: ring(p), last: .max)))
            },
            Scenario(name: "token to alice in ring epoch 2^64-1", refused: true) { p, a in
                try p.send(token(p, to: a, ring: ring(p, epoch: .max)))
            },
            Scenario(name: "token to alice in ring epoch 2^63", refused: true) { p, a in
                try p.send(token(p, to: a, ring: ring(p, epoch: 1 << 63)))
            },
            Scenario(name: "token to alice in ring epoch 0", refused: true) { p, a in
                try p.send(token(p, to: a, ring: ring(p, epoch: 0)))
            },
            // Hops and seqs: maximum, maximum minus one, 2^63, past the ceiling, zero.
            Scenario(name: "token to alice with hop 2^64-1", refused: true) { p, a in
                try p.send(token(p, to: a, hop: .max))
            },
            Scenario(name: "token to alice with hop 2^64-2", refused: true) { p, a in
                try p.send(token(p, to: a, hop: .max - 1))
            },
            Scenario(name: "token to alice with hop 2^62+1", refused: true) { p, a in
                try p.send(token(p, to: a, hop: ceiling + 1))
            },
            Scenario(name: "token to alice with next seq 2^64-1", refused: true) { p, a in
                try p.send(token(p, to: a, nextSeq: .max))
            },
            Scenario(name: "token to alice with next seq 2^63", refused: true) { p, a in
                try p.send(token(p, to: a, nextSeq: 1 << 63))
            },
            Scenario(name: "token to alice with next seq 0", refused: true) { p, a in
                try p.send(token(p, to: a, nextSeq: 0))
            },
            Scenario(name: "token to alice with lineage last seq 2^64-1", refused: true) { p, a in
                try p.send(token(p, to: a, lineage: RingLineage(previous: ring(p), last: .max)))
            },
            Scenario(name: "token to alice with lineage ring epoch 2^64-1", refused: true) { p, a in
                try p.send(token(p, to: a, lineage: RingLineage(previous: ring(p, epoch: .max), last: 1)))
            },
            Scenario(name: "ack with hop 2^64-1", refused: true) { p, _ in try p.send(ack(p, hop: .max)) },
            Scenario(name: "ack with next seq 2^64-1", refused: true) { p, _ in try p.send(ack(p, nextSeq: .max)) },
            Scenario(name: "ack in ring epoch 2^64-1", refused: true) { p, _ in try p.send(ack(p, ring: ring(p, epoch: .max))) },
            Scenario(name: "token request in ring epoch 2^64-1", refused: true) { p, _ in
                try p.send(.tokenRequest(TokenRequest(ring: ring(p, epoch: .max), queued: 1)))
            },
            Scenario(name: "fresh data in ring epoch 2^64-1", refused: true) { p, _ in
                try p.send(.data(DataBatch(retransmission: false, messages: [message(p, ring: ring(p, epoch: .max), seq: 1)])))
            },
            Scenario(name: "re-sent data in ring epoch 2^64-1 (the replica poison)", refused: true) { p, _ in
                try p.send(.data(DataBatch(retransmission: true, messages: [message(p, ring: ring(p, epoch: .max), seq: 1)])))
            },
            Scenario(name: "data at seq 2^64-1 of the current ring", refused: true) { p, _ in
                try p.send(.data(DataBatch(retransmission: false, messages: [message(p, ring: ring(p), seq: .max)])))
            },
            Scenario(name: "data at seq 2^63 of the current ring", refused: true) { p, _ in
                try p.send(.data(DataBatch(retransmission: true, messages: [message(p, ring: ring(p), seq: 1 << 63)])))
            },
            Scenario(name: "data at seq 2^62+1 of the current ring", refused: true) { p, _ in
                try p.send(.data(DataBatch(retransmission: false, messages: [message(p, ring: ring(p), seq: ceiling + 1)])))
            },
            Scenario(name: "data with lineage last seq 2^64-1", refused: true) { p, _ in
                try p.send(.data(DataBatch(retransmission: false, messages: [message(p, ring: ring(p), seq: p.nextSeq)],
                                           lineage: RingLineage(previous: ring(p), last: .max))))
            },
            Scenario(name: "data timestamped Int64.min", refused: true) { p, _ in
                try p.send(.data(DataBatch(retransmission: true, messages: [message(p, ring: ring(p, epoch: 1), seq: 1, ts: .min)])))
            },
            Scenario(name: "nack of seqs up to 2^64-1", refused: true) { p, _ in
                try p.send(.nack(Nack(ring: ring(p), ranges: [(UInt64.max - 1023)...UInt64.max])))
            },
            Scenario(name: "nack in ring epoch 2^64-1", refused: true) { p, _ in
                try p.send(.nack(Nack(ring: ring(p, epoch: .max), ranges: [1...10])))
            },
            Scenario(name: "header incarnation 0", refused: true) { p, _ in
                try p.send(.tokenRequest(TokenRequest(ring: nil, queued: 1)), incarnation: 0)
            },
            Scenario(name: "header packet counter 0", refused: true) { p, _ in
                try p.send(.tokenRequest(TokenRequest(ring: nil, queued: 1)), counter: 0)
            },
            // Plausible extremes: the minimum, far behind, 32-bit maxima.
            Scenario(name: "token to alice of ring epoch 1 (far behind)", refused: false) { p, a in
                try p.send(token(p, to: a, ring: ring(p, epoch: 1), hop: 1, nextSeq: 1))
            },
            Scenario(name: "token to alice at hop 0 (far behind)", refused: false) { p, a in
                try p.send(token(p, to: a, hop: 0, nextSeq: 1))
            },
            Scenario(name: "heartbeat with no ring and highest epoch 0", refused: false) { p, _ in
                try p.send(heartbeat(p, ring: nil, highestEpoch: 0))
            },
            Scenario(name: "heartbeat with digest counters of 2^32-1", refused: false) { p, a in
                let e = DigestEntry(stream: StreamID(origin: a.id, incarnation: a.incarnation), contiguous: .max, max: .max,
                                    count: .max, setHash: 42)
                try p.send(heartbeat(p, ring: ring(p), highestEpoch: p.highestEpoch, page: [e]))
            },
            Scenario(name: "token request for 2^32-1 lines, header incarnation 2^32-1", refused: false) { p, _ in
                try p.send(.tokenRequest(TokenRequest(ring: ring(p), queued: .max)), incarnation: .max)
            },
            Scenario(name: "reconcile request to alice for counters up to 2^32-1", refused: false) { p, a in
                let s = StreamID(origin: a.id, incarnation: a.incarnation)
                try p.send(.reconcileRequest(ReconcileRequest(target: a.id, ranges: [StreamRange(stream: s, counters: (UInt32.max - 4095)...UInt32.max)])),
                           incarnation: .max)
            },
            Scenario(name: "nack of seqs 1-1024 of the current ring", refused: false) { p, _ in
                try p.send(.nack(Nack(ring: ring(p), ranges: [1...1024])), incarnation: .max)
            },
            Scenario(name: "heartbeat announcing a ring at the edge of the epoch window", refused: false) { p, _ in
                let edge = p.highestEpoch + PacketValidator.epochWindow - 1_000
                try p.send(heartbeat(p, ring: RingID(epoch: edge, creator: p.id, incarnation: .max), highestEpoch: edge), incarnation: .max)
            },
        ] }

        /// The latest `/stats` of `peer`, asked for now.
        static func stats(_ peer: Peer, timeout: Double = 10) -> Event? {
            let before = peer.current().filter { $0.name == "stats" }.count
            peer.send(["/stats"])
            var got: Event?
            _ = waitUntil(timeout) {
                let all = peer.current().filter { $0.name == "stats" }
                if all.count > before { got = all.last }
                return got != nil
            }
            return got
        }

        @Test func extremePacketsAreDroppedAndTheGroupLivesOn() throws {
            let c = Cluster(label: "crafted")
            defer { c.close() }
            let alice = c.add("alice"), bob = c.add("bob")
            try c.startAll()
            try #require(c.waitForMembers(2), "\(c.diagnostics())")
            let crafted = try CraftedPeer(group: c.group, port: c.port)
            let aliceID = try #require(alice.nodeID)
            let target = try #require(crafted.learn(aliceID), "the crafted peer never heard alice")
            try #require(waitUntil(10) { alice.holder != nil && bob.holder != nil }, "no token\n\(c.diagnostics())")

            var expected = 0
            var outcomes: [String] = []
            for (i, s) in Self.scenarios.enumerated() {
                crafted.listen()
                try s.send(crafted, target)
                if s.refused { expected += 1 }
                // It is counted (or not) at both nodes...
                var seen: [Int?] = [nil, nil]
                let counted = waitUntil(15) {
                    crafted.listen()
                    seen = [alice, bob].map { Self.stats($0)?.int("implausibleDrops") }
                    return seen.allSatisfy { $0 == expected }
                }
                #expect(counted, "#\(i) \(s.name): implausibleDrops \(seen), expected \(expected)\n\(c.diagnostics())")
                // ... both survive, and both still deliver what either types.
                let speaker = i % 2 == 0 ? alice : bob
                let line = "alive after #\(i)"
                speaker.send([line])
                let delivered = waitUntil(30) {
                    crafted.listen()
                    return [alice, bob].allSatisfy { p in p.delivered(currentRunOnly: true).contains { $0.string("text") == line } }
                }
                let alive = alice.isRunning && bob.isRunning
                #expect(alive, "#\(i) \(s.name): a node died\n\(c.diagnostics())")
                #expect(delivered, "#\(i) \(s.name): '\(line)' not delivered by both\n\(c.diagnostics())")
                outcomes.append("\(s.refused ? "dropped " : "accepted") \(s.name)")
                if !(alive && delivered && counted) { break }
            }
            print("crafted packets: \(outcomes.count) of \(Self.scenarios.count) scenarios survived by both nodes, "
                  + "\(expected) dropped as implausible:\n  " + outcomes.joined(separator: "\n  "))
            let last = Self.stats(alice)
            #expect(last?.string("lastImplausible")?.contains(crafted.id.hex) == true, "the sender is named: \(last?.raw ?? [:])")
            #expect(last?.int("decodeDrops") == 0, "every crafted datagram decoded")
            let notices = alice.current().filter { $0.name == "notice" }.compactMap { $0.string("message") }
            #expect(notices.contains { $0.contains("implausible") && $0.contains(crafted.id.hex) }, "the user is told: \(notices)")
            for p in [alice, bob] { #expect(p.stop() == 0, "\(p.name) did not exit cleanly\n\(p.tail())") }
            // Nothing the crafted peer sent reached a replica.
            for p in [alice, bob] {
                let held = loadReplica(c.replicaPath(p)).ordered
                #expect(!held.contains { $0.id.origin == crafted.id }, "\(p.name) stored a crafted message")
            }
        }

        /// A replica line with epoch 2^64-1 (what an older version stored
        /// after one re-sent datagram) and a checkpoint claiming highest
        /// epoch 2^64-1: the next start used to crash ~0.7 s in, and every
        /// start after it. Now both are moved aside with a warning, the node
        /// chats on, and the start after that is clean.
        @Test func poisonedStateDirStartsAndChats() throws {
            let c = Cluster(label: "poisoned")
            defer { c.close() }
            let alice = c.add("alice", extra: ["--checkpoint-every", "0"]), bob = c.add("bob")
            try c.startAll()
            try #require(c.waitForMembers(2), "\(c.diagnostics())")
            alice.send((1...3).map { "before \($0)" })
            try #require(waitUntil(20) { bob.delivered().count == 3 && alice.delivered().count == 3 }, "\(c.diagnostics())")
            #expect(alice.stop() == 0)

            // Poison the replica and the newest checkpoint (a valid file, checksum and all).
            let replica = c.replicaPath(alice)
            var poison = try #require(loadReplica(replica).ordered.last)
            poison.slot.ring.epoch = .max
            poison.id.counter += 100
            let poisonLine = ReplicaFile.line(for: poison)
            let fh = try #require(FileHandle(forWritingAtPath: replica))
            fh.seekToEndOfFile()
            fh.write(Data(poisonLine))
            try fh.close()
            let store = CheckpointStore(directory: alice.dir)
            var cp = try #require(store.load().checkpoint)
            cp.highestEpoch = .max
            cp.number += 1
            _ = FileManager.default.createFile(atPath: store.currentPath, contents: Data(try CheckpointStore.encode(cp)))

            try alice.start()
            try #require(waitUntil(10) { alice.current().contains { $0.name == "restored" } }, "\(c.diagnostics())")
            let restored = alice.current().first { $0.name == "restored" }!
            #expect(restored.warnings.contains { $0.contains("replica.jsonl.broken") && $0.contains("epoch") }, "\(restored.warnings)")
            #expect(restored.warnings.contains { $0.contains("checkpoint.json.broken") }, "\(restored.warnings)")
            #expect(restored.int("messages") == 3)
            // It forms or joins a ring (where the old code crashed) and chats both ways.
            bob.send(["after the poison"])
            alice.send(["alice is back"])
            let chats = waitUntil(30) {
                let texts = Set(alice.delivered(currentRunOnly: true).compactMap { $0.string("text") })
                let bobs = Set(bob.delivered().compactMap { $0.string("text") })
                return texts.contains("after the poison") && bobs.contains("alice is back")
            }
            #expect(chats, "\(c.diagnostics())")
            #expect(alice.isRunning, "alice died after the restart\n\(alice.tail())")
            let broken = FileManager.default.contents(atPath: replica + ".broken").map { [UInt8]($0) }
            #expect(broken == poisonLine, "the poisoned line is kept aside, not deleted")
            #expect(FileManager.default.fileExists(atPath: alice.dir + "/checkpoint.json.broken"))
            #expect(!loadReplica(replica).ordered.contains { $0.slot.ring.epoch == .max })
            #expect(alice.stop() == 0)

            // And the start after that is clean.
            try alice.start()
            try #require(waitUntil(10) { alice.current().contains { $0.name == "restored" } }, "\(c.diagnostics())")
            let again = alice.current().first { $0.name == "restored" }!
            #expect(again.warnings.isEmpty, "\(again.warnings)")
            #expect(alice.stop() == 0)
            #expect(bob.stop() == 0)
        }
    }
}
