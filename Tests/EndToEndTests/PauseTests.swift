import Foundation
import Glibc
import Testing

extension EndToEnd {
    @Suite struct Pause {
        /// Three headless nodes chatting (each types a line every 20 ms);
        /// the token's holder of the moment is stopped with SIGSTOP for 3 s
        /// and continued, three times over. The survivors form a ring
        /// without it and the woken node joins theirs (Node+Install, rule
        /// 4): nobody shows a line late (no `backfill` delivery), and every
        /// node shows the lines it has in common with the others in the
        /// same order.
        @Test func stoppedHolderShowsNothingLate() throws {
            let pause = Double(ProcessInfo.processInfo.environment["RINGCHAT_E2E_PAUSE_SECONDS"] ?? "") ?? 3
            let c = Cluster(label: "pause")
            defer { c.close() }
            let peers = ["alice", "bob", "carol"].map { c.add($0) }
            try c.startAll()
            try #require(c.waitForMembers(3), "\(c.diagnostics())")
            var typed = 0
            func typeFor(_ seconds: Double, skipping stopped: Peer? = nil) {
                let end = now() + seconds
                while now() < end {
                    typed += 1
                    for p in peers where p !== stopped { p.send(["\(p.name) line \(typed)"]) }
                    usleep(20_000)
                }
            }
            typeFor(1)
            var stopped: [String] = []
            for round in 0..<3 {
                // The holder as most peers see it; failing that, by turn.
                let h = Crash().currentHolder(peers)
                let victim = peers.first { $0.nodeID == h } ?? peers[round % peers.count]
                stopped.append("\(victim.name)\(victim.nodeID == h ? " (holder)" : "")")
                victim.signal(SIGSTOP)
                typeFor(pause, skipping: victim)
                victim.signal(SIGCONT)
                typeFor(2)
            }
            print("pause test: stopped \(stopped.joined(separator: ", ")) for \(pause) s each; \(typed) rounds typed")

            // Everyone has everything typed (nothing lost), then the checks.
            let allTyped = waitUntil(30) {
                let sets = peers.map { Set($0.delivered().compactMap { $0.string("id") }) }
                return sets.allSatisfy { $0 == sets[0] } && peers.allSatisfy { $0.lastStatus?.int("queued") == 0 }
            }
            #expect(allTyped, "the nodes' deliveries differ\n\(c.diagnostics())")
            let orders = peers.map { $0.delivered().compactMap { $0.string("id") } }
            for (p, order) in zip(peers, orders) {
                let late = p.delivered().filter { $0.bool("backfill") == true }
                #expect(late.isEmpty, "\(p.name) showed \(late.count) lines late, first \(late.first.map { "\($0.raw)" } ?? "")")
                let common = Set(orders[0]).intersection(order)
                let mine = order.filter(common.contains), first = orders[0].filter(common.contains)
                #expect(mine == first, "\(p.name)'s order differs from \(peers[0].name)'s: \(firstDifference(mine, first))")
                print("pause test: \(p.name) delivered \(order.count) lines, \(late.count) late")
            }
            for p in peers { #expect(p.stop() == 0, "\(p.name) did not exit cleanly\n\(p.tail())") }
        }
    }
}
