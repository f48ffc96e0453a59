import Foundation
import Glibc
import Testing
import RingChatCore

extension EndToEnd {
    @Suite struct MultiHost {
        /// Three namespaces on a bridge, one node each on its own 10.x
        /// address. One host is unplugged for 5 s while both sides keep
        /// chatting, then plugged back: all replicas converge to one
        /// identical order holding every message.
        @Test(.enabled(if: HostNamespaces.unavailableReason() == nil,
                       "needs root and iproute2 to create network namespaces (CI runs as root)"))
        func partitionHealsIntoOneOrder() throws {
            let c = Cluster(label: "multihost")
            defer { c.close() }
            let ns = HostNamespaces(count: 3, scratch: c.root)
            do {
                try ns.create()
            } catch {
                print("SKIPPED multi-host test: cannot create network namespaces here: \(error)")
                return
            }
            defer { ns.destroy() }
            // Kill the nodes before the namespaces go (defers run in reverse).
            defer { for p in c.peers { p.kill() } }

            let names = ["ann", "ben", "cat"]
            let peers = names.indices.map { i -> Peer in
                let p = c.add(names[i], interface: ns.addresses[i])
                p.prefix = ns.exec(i)
                return p
            }
            try c.startAll()
            try #require(c.waitForMembers(3, timeout: 20), "the hosts never saw each other\n\(c.diagnostics())")
            #expect(peers.allSatisfy { $0.current().first { $0.name == "started" }?.string("interface") != nil })
            for (i, p) in peers.enumerated() {
                #expect(p.current().first { $0.name == "started" }?.string("interface") == ns.addresses[i])
            }

            var sent: [String] = []
            func say(_ p: Peer, _ text: String) { if p.send([text]) { sent.append(text) } }
            for round in 1...5 { for p in peers { say(p, "\(p.name) before \(round)") } }
            try #require(waitUntil(15) { peers.allSatisfy { $0.delivered().count >= sent.count } },
                         "the lines before the cut were not delivered\n\(c.diagnostics())")

            // Cut cat off for at least 5 s, and until it sees itself alone;
            // everyone keeps chatting.
            try ns.setLink(2, up: false)
            let cutAt = now()
            var round = 0
            func catIsAlone() -> Bool { peers[2].lastStatus?.members.count == 1 }
            while now() < cutAt + 5 || (!catIsAlone() && now() < cutAt + 30 * patience) {
                round += 1
                for p in peers { say(p, "\(p.name) during \(round)") }
                sleep(seconds: 0.25)   // typing pace, not synchronisation
            }
            // While cut, cat must have carried on alone (its own ring).
            let catAlone = peers[2].lastStatus?.members.count
            try ns.setLink(2, up: true)
            for r in 1...5 { for p in peers { say(p, "\(p.name) after \(r)") } }

            let everyText = Set(sent)
            func replicas() -> [[ChatMessage]] { peers.map { loadReplica(c.replicaPath($0)).ordered } }
            let converged = waitUntil(40) {
                let r = replicas()
                return r.allSatisfy { $0 == r[0] } && Set(r[0].map(\.text)) == everyText
                    && peers.allSatisfy { $0.lastStatus?.int("lag") == 0 && $0.lastStatus?.members.count == 3 }
            }
            #expect(catAlone == 1, "the cut-off host still saw \(catAlone ?? -1) members")
            #expect(converged, "no convergence after the heal: replicas hold \(replicas().map(\.count)) of \(everyText.count)\n\(c.diagnostics())")

            for p in peers { #expect(p.stop() == 0, "\(p.name) did not exit cleanly\n\(p.tail())") }
            let final = replicas()
            for (p, r) in zip(peers, final) {
                let same = r == final[0]
                #expect(same, "\(p.name) replica differs: \(firstDifference(r.map(\.id.text), final[0].map(\.id.text)))")
                let missing = everyText.subtracting(r.map(\.text))
                #expect(missing.isEmpty, "\(p.name) lacks \(missing.count): \(missing.sorted().prefix(5))")
            }
            // Both sides' partition-time messages are in there, from two rings.
            let during = final[0].filter { $0.text.contains(" during ") }
            #expect(Set(during.map(\.slot.ring)).count >= 2, "the partition should have produced two rings' histories")
            print("multi-host test: \(final[0].count) messages in \(Set(final[0].map(\.slot.ring)).count) rings, identical on 3 hosts")
        }
    }
}
