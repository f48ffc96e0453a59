import Foundation
import Glibc
import Testing
import RingChatCore

extension EndToEnd {
    @Suite struct Loopback {
        /// `ringchat server` plus three headless peers, every one with
        /// --delay 20-300 (datagrams arrive out of order); each peer sends 50
        /// lines at once. All four deliver the same 150 messages in the same
        /// order, every peer reports lag 0, the token only ever names these
        /// four nodes, and the replicas end identical.
        @Test func fourNodesDeliverTheSameOrder() throws {
            let c = Cluster(label: "loopback")
            defer { c.close() }
            let server = c.add("server", .server, extra: ["--delay", "20-300"])
            let peers = ["alice", "bob", "carol"].map { c.add($0, extra: ["--delay", "20-300"]) }
            try c.startAll()
            try #require(c.waitForMembers(4), "the four nodes never saw each other\n\(c.diagnostics())")
            // ... and the ring exists: every peer has seen the token.
            try #require(waitUntil(10) { peers.allSatisfy { $0.holder != nil } }, "no token\n\(c.diagnostics())")

            for p in peers { #expect(p.send((1...50).map { "\(p.name) line \($0) ✓" })) }
            let all = waitUntil(60) {
                peers.allSatisfy { $0.delivered().count >= 150 } && server.loggedDeliveries().count >= 150
            }
            try #require(all, "not all 150 delivered: \(peers.map { "\($0.name) \($0.delivered().count)" }), server \(server.loggedDeliveries().count)\n\(c.diagnostics())")
            let lagZero = waitUntil(20) { peers.allSatisfy { $0.lastStatus?.int("lag") == 0 } }
            #expect(lagZero, "lag: \(peers.map { "\($0.name) \($0.lastStatus?.int("lag") ?? -1)" })")

            let orders = peers.map { $0.delivered().compactMap { $0.string("id") } }
            for (p, o) in zip(peers, orders) {
                #expect(o.count == 150, "\(p.name) delivered \(o.count)")
                #expect(Set(o).count == 150, "\(p.name) delivered duplicates")
                let sameOrder = o == orders[0]
                #expect(sameOrder, "\(p.name) delivered another order than \(peers[0].name): \(firstDifference(o, orders[0]))")
            }
            let serverSame = server.loggedDeliveries() == orders[0]
            #expect(serverSame, "the server delivered another order: \(firstDifference(server.loggedDeliveries(), orders[0]))")
            for p in peers {
                let texts = Set(p.delivered().compactMap { $0.string("text") })
                for q in peers { for i in 1...50 { #expect(texts.contains("\(q.name) line \(i) ✓")) } }
                let backfills = p.delivered().filter { $0.bool("backfill") == true }.count
                #expect(backfills == 0, "\(p.name) had to backfill \(backfills) messages")
            }
            // The token only ever names live members.
            let ids = Set(peers.compactMap(\.nodeID))
            #expect(ids.count == 3)
            let serverID = server.logLines().first { $0.contains("started: node ") }
                .flatMap { $0.split(separator: " ").drop { $0 != "node" }.dropFirst().first.map(String.init) }
            let members = ids.union(serverID.map { [$0] } ?? [])
            #expect(members.count == 4)
            for p in peers {
                let holders = Set(p.events().filter { $0.name == "token" }.compactMap { $0.string("holder") })
                #expect(holders.isSubset(of: members), "\(p.name) saw holders \(holders.subtracting(members))")
            }

            for p in c.peers { #expect(p.stop() == 0, "\(p.name) did not exit cleanly\n\(p.tail())") }
            for p in peers {
                #expect(p.current().contains { $0.name == "checkpoint" }, "\(p.name): no final checkpoint")
                #expect(p.current().last?.name == "stopped")
            }
            let replicas = c.peers.map { loadReplica(c.replicaPath($0)) }
            for (p, r) in zip(c.peers, replicas) {
                #expect(r.ordered.count == 150 && r.lines == 150, "\(p.name) replica holds \(r.ordered.count) messages in \(r.lines) lines")
                let sameReplica = r.ordered == replicas[0].ordered
                #expect(sameReplica, "\(p.name) replica differs")
                let replicaInDeliveryOrder = r.ordered.map(\.id.text) == orders[0]
                #expect(replicaInDeliveryOrder, "\(p.name) replica order differs from \(peers[0].name)'s delivery order: \(firstDifference(r.ordered.map(\.id.text), orders[0]))")
            }
        }
    }
}
