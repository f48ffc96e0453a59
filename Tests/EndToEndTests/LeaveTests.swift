import Foundation
import Glibc
import Testing

extension EndToEnd {
    @Suite struct Leave {
        /// Four headless nodes chatting (each types a line every 20 ms);
        /// carol types `/quit`. She passes the token on and announces her
        /// departure: the others drop her at once, with no token loss, no
        /// regeneration, no silent successor, and their deliveries do not
        /// stall. The longest gap between deliveries at each survivor,
        /// within a second either side of the quit, is printed; the test
        /// asserts 150 ms (the aim is under 50 ms; before the leave it was
        /// about 210 ms, with a ring change and a regeneration).
        @Test func quitUnderLoadStallsNobody() throws {
            let maxGap = Int64(ProcessInfo.processInfo.environment["RINGCHAT_E2E_LEAVE_MAX_GAP_MS"] ?? "") ?? 150
            let c = Cluster(label: "leave")
            defer { c.close() }
            let peers = ["alice", "bob", "carol", "dave"].map { c.add($0) }
            let carol = peers[2]
            let others = peers.filter { $0 !== carol }
            try c.startAll()
            try #require(c.waitForMembers(4), "\(c.diagnostics())")
            for p in peers { p.send(["\(p.name) warm-up"]) }
            try #require(waitUntil(15) { peers.allSatisfy { $0.delivered().count == 4 } }, "\(c.diagnostics())")
            let carolID = try #require(carol.nodeID)

            var typed = 0
            func typeFor(_ seconds: Double, _ who: [Peer]) {
                let end = now() + seconds
                while now() < end {
                    typed += 1
                    for p in who where p.isRunning { p.send(["\(p.name) line \(typed)"]) }
                    usleep(20_000)
                }
            }
            typeFor(2, peers)
            let quitAt = wallMillis()
            carol.send(["/quit"])
            typeFor(2, others)
            #expect(waitUntil(10) { !carol.isRunning }, "carol did not exit after /quit\n\(carol.tail())")
            #expect(carol.stop() == 0, "carol did not exit cleanly\n\(carol.tail())")

            // (Events are judged by their time: parsing the peers' event
            // files between the typing and the quit took the test process
            // 760 ms on a loaded machine, during which nobody typed.)
            for p in others {
                let after = p.current().filter { $0.at >= quitAt }
                let bad = after.filter { $0.name == "ring" && ["lost", "regenerated", "successorSilent"].contains($0.string("kind") ?? "") }
                #expect(bad.isEmpty, "\(p.name) after carol's quit: \(bad.map(\.raw))\n\(p.tail())")
                let changes = after.filter { $0.name == "ring" && $0.string("kind") == "ringChanged" }.count
                // Gone from the members: the first status without her.
                let gone = after.first { $0.name == "status" && !$0.members.contains { $0["id"] as? String == carolID } }
                // The longest time without a delivery within 1 s of the quit.
                let times = p.current().filter { $0.name == "delivered" && abs($0.at - quitAt) <= 1_000 }.map(\.at)
                let gaps = zip(times, times.dropFirst()).map { ($1 - $0, $0 - quitAt) }
                let (gap, gapAt) = gaps.max { $0.0 < $1.0 } ?? (1_000, 0)
                // The same measure over the second before that window, with
                // everybody typing: what the machine's load alone causes.
                let control = p.current().filter { $0.name == "delivered" && $0.at >= quitAt - 2_000 && $0.at < quitAt - 1_000 }.map(\.at)
                let controlGap = zip(control, control.dropFirst()).map { $1 - $0 }.max() ?? 0
                print("leave: \(p.name): longest delivery gap within 1 s of the quit \(gap) ms (starting \(gapAt) ms from it; \(times.count) deliveries; the second before: \(controlGap) ms), carol gone from the members after \(gone.map { "\($0.at - quitAt) ms" } ?? "never"), \(changes) ring changes")
                #expect(gone != nil, "\(p.name) still lists carol")
                #expect(changes == 0, "\(p.name) changed rings")
                #expect(times.count > 50, "\(p.name) delivered only \(times.count) lines around the quit")
                #expect(gap < maxGap, "\(p.name): no delivery for \(gap) ms around the quit")
            }
            // Everything the survivors delivered agrees (nothing lost).
            try #require(waitUntil(15) {
                let sets = others.map { Set($0.current().filter { $0.name == "delivered" }.compactMap { $0.string("id") }) }
                return sets.allSatisfy { $0 == sets[0] }
            }, "the survivors' deliveries differ\n\(c.diagnostics())")
            for p in others { #expect(p.stop() == 0, "\(p.name) did not exit cleanly\n\(p.tail())") }
        }
    }
}
