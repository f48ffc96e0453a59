import Foundation
import Glibc
import Testing

extension EndToEnd {
    @Suite struct SlowMember {
        /// Four nodes chatting; dave's every incoming datagram is delayed
        /// 200-1500 ms (`--delay 200-1500`). Dave stops (SIGTERM) and
        /// starts again while the others type. Counted at the others: ring
        /// changes from the restart until dave is back in their members,
        /// and after that for 5 s: at most one, and none after.
        ///
        /// Every node times each member's delay in acting on a pass
        /// (MemberDelays) and waits that long, bounded, before calling the
        /// token lost while dave has it. Before that, on 2026-12-05, the
        /// others changed rings 9 times in the 5 s after dave was back (a
        /// pass to him takes up to 1.5 s to arrive, past the capped 800 ms
        /// loss timeout).
        @Test
        func slowMemberRestarting() throws {
            let c = Cluster(label: "slow")
            defer { c.close() }
            let peers = ["alice", "bob", "carol"].map { c.add($0) }
            let dave = c.add("dave", extra: ["--delay", "200-1500"])
            try c.startAll()
            try #require(c.waitForMembers(4), "\(c.diagnostics())")
            var typed = 0
            func typeFor(_ seconds: Double) {
                let end = now() + seconds
                while now() < end {
                    typed += 1
                    for p in peers { p.send(["\(p.name) line \(typed)"]) }
                    usleep(100_000)
                }
            }
            typeFor(3)
            let before = peers.map { $0.current().count }
            #expect(dave.stop() == 0)
            typeFor(1)
            try dave.start()
            let daveID = try #require(dave.nodeID)
            var backAt: [Int] = []
            let end = now() + 20 * patience
            while now() < end {
                typeFor(0.5)
                backAt = peers.map { p in
                    p.current().lastIndex { $0.name == "status" && $0.members.contains { $0["id"] as? String == daveID } } ?? -1
                }
                if backAt.allSatisfy({ $0 >= 0 }) { break }
            }
            #expect(backAt.allSatisfy { $0 >= 0 }, "dave never came back\n\(c.diagnostics())")
            let backCount = peers.map { $0.current().count }
            typeFor(5)
            for (i, p) in peers.enumerated() {
                let evs = p.current()
                let during = evs[before[i]..<backCount[i]].filter { $0.name == "ring" && $0.string("kind") == "ringChanged" }.count
                let after = evs[backCount[i]...].filter { $0.name == "ring" && $0.string("kind") == "ringChanged" }.count
                // What led to each change, for the next engineer.
                let causes = evs[before[i]...].filter { $0.name == "ring" && ["successorSilent", "lost", "regenerated"].contains($0.string("kind") ?? "") }
                    .map { "\($0.string("kind") ?? "?")\($0.string("node").map { " \($0)" } ?? "")" }
                print("slow member: \(p.name): \(during) ring changes from dave's restart until he was back, \(after) in the 5 s after; ring events: \(causes.joined(separator: ", "))")
                #expect(during <= 1)
                #expect(after == 0)
            }
        }
    }
}
