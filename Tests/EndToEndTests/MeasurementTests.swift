import Foundation
import Glibc
import Testing
import RingChatCore

extension EndToEnd {
    @Suite struct Measurements {
        /// SIGKILL of the token holder, default timeouts: a line typed on a
        /// survivor at the moment of the kill is delivered, and once every
        /// survivor has dropped the dead node from its members, the token
        /// passes among live nodes only.
        ///
        /// The time from the kill to that delivery is printed (about 0.6 s
        /// on an idle machine: README, "Measured figures"). The test asserts
        /// only 10 s, which catches the defect it is for (a ring that never
        /// gets a token back) without tripping on a loaded machine;
        /// RINGCHAT_E2E_FAILOVER_MAX_MS=1000 asks for the strict bound.
        @Test func holderKillRecovers() throws {
            let env = ProcessInfo.processInfo.environment
            let trials = Int(env["RINGCHAT_E2E_FAILOVER_TRIALS"] ?? "") ?? 3
            let maxMillis = Int64(env["RINGCHAT_E2E_FAILOVER_MAX_MS"] ?? "") ?? 10_000
            let c = Cluster(label: "failover")
            defer { c.close() }
            c.add("server", .server)
            let peers = ["alice", "bob", "carol"].map { c.add($0) }
            try c.startAll()
            try #require(c.waitForMembers(4), "\(c.diagnostics())")
            for p in peers { p.send(["\(p.name) warm-up"]) }
            try #require(waitUntil(15) { peers.allSatisfy { $0.delivered().count == 3 } }, "\(c.diagnostics())")

            var latencies: [Int64] = []
            var heldAtKill: [Bool] = []
            for trial in 0..<trials {
                let victim = peers[trial % peers.count]
                let survivor = peers[(trial + 1) % peers.count]
                let others = peers.filter { $0 !== victim }
                let deadID = try #require(victim.nodeID)
                // Kill it the moment it reports holding the token (an idle
                // holder keeps it 100 ms; the test polls every 2 ms, and
                // tries again on the next grant if it was too late).
                let before = victim.current().count
                var killedHolding = false
                let deadline = now() + 10 * patience
                while now() < deadline {
                    let evs = victim.current()
                    if evs.count > before, evs[before...].contains(where: { $0.name == "ring" && $0.string("kind") == "granted" }) {
                        victim.kill()
                        killedHolding = true
                        break
                    }
                    usleep(2_000)
                }
                try #require(killedHolding, "\(victim.name) never got the token\n\(c.diagnostics())")
                let t0 = wallMillis()
                let probe = "probe \(trial) after killing \(victim.name)"
                survivor.send([probe])
                // Did it really die holding? Its last token event says so.
                let last = victim.current().last { $0.name == "ring" && ["granted", "passed"].contains($0.string("kind") ?? "") }
                heldAtKill.append(last?.string("kind") == "granted")

                let got = waitUntil(Double(maxMillis) / 1000 / patience) {
                    survivor.delivered(currentRunOnly: true).contains { $0.string("text") == probe }
                }
                let at = survivor.delivered(currentRunOnly: true).first { $0.string("text") == probe }?.at
                try #require(got && at != nil, "probe never delivered within \(maxMillis) ms\n\(c.diagnostics())")
                latencies.append(at! - t0)

                // When did each survivor drop the dead node from its members?
                func droppedAt(_ p: Peer) -> Int64? {
                    p.current().first { $0.name == "status" && $0.at >= t0 && !$0.members.contains { $0["id"] as? String == deadID } }?.at
                }
                try #require(waitUntil(10) { others.allSatisfy { droppedAt($0) != nil } },
                             "the survivors never dropped \(victim.name) from their members\n\(c.diagnostics())")
                // A pass sent just before a survivor dropped it may still
                // arrive at another one: allow a second after the last drop,
                // then the token must keep moving among live nodes only.
                let quietFrom = others.compactMap(droppedAt).max()! + 1000
                func passes(_ p: Peer) -> [Event] { p.current().filter { $0.name == "token" && $0.at >= quietFrom } }
                try #require(waitUntil(10) { others.allSatisfy { passes($0).count >= 3 } },
                             "the token stopped moving after \(victim.name) was dropped\n\(c.diagnostics())")
                for p in others {
                    let bad = passes(p).filter { $0.string("holder") == deadID }
                    #expect(bad.isEmpty, "\(p.name) saw the dead \(victim.name) as holder \(bad.count) times after every survivor had dropped it")
                }
                try victim.start()
                try #require(c.waitForMembers(4), "\(victim.name) did not rejoin\n\(c.diagnostics())")
                try #require(waitUntil(10) { victim.holder != nil }, "\(victim.name) never saw the token after rejoining\n\(c.diagnostics())")
            }
            let sorted = latencies.sorted()
            print("failover: SIGKILL of the holder -> next delivery (ms): \(latencies.map(String.init).joined(separator: ", ")); median \(sorted[sorted.count / 2]), max \(sorted.last!); died holding: \(heldAtKill)")
            for p in c.peers { #expect(p.stop() == 0, "\(p.tail())") }
        }

        /// An idle ring of four (a server and three headless peers, default
        /// timeouts: heartbeats every 100 ms, token passed every 100 ms)
        /// costs little CPU: utime+stime from /proc/<pid>/stat over
        /// RINGCHAT_IDLE_SECONDS (10 by default).
        ///
        /// The figure is printed, not asserted tightly: the release binary
        /// measures about 0.6% per node (README, "Measured figures"), the
        /// debug one about twice that, and a burst of unrelated work on a
        /// 2-core machine moves it by more. The bound, 10% of a core unless
        /// RINGCHAT_IDLE_MAX_PERCENT asks for the strict 1%, catches the
        /// defect this test is for: a busy loop or a timer storm costs
        /// 100% of a core.
        @Test func idleRingStaysIdle() throws {
            let env = ProcessInfo.processInfo.environment
            let seconds = Double(env["RINGCHAT_IDLE_SECONDS"] ?? "") ?? 10
            let debugBuild = ringchatBinary.contains("/debug/")
            let limit = Double(env["RINGCHAT_IDLE_MAX_PERCENT"] ?? "") ?? 10
            let c = Cluster(label: "idle")
            defer { c.close() }
            c.add("server", .server)
            for n in ["alice", "bob", "carol"] { c.add(n) }
            try c.startAll()
            try #require(c.waitForMembers(4), "\(c.diagnostics())")
            // Start-up work (loading, the first ring) is not idle.
            try #require(waitUntil(10) { c.chatPeers.allSatisfy { $0.holder != nil } }, "\(c.diagnostics())")
            let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
            let start = c.peers.map { cpuTicks($0.pid!) }
            let t0 = now()
            sleep(seconds: seconds)
            let elapsed = now() - t0
            let end = c.peers.map { cpuTicks($0.pid!) }
            var figures: [String] = []
            for (i, p) in c.peers.enumerated() {
                let pct = Double(end[i] - start[i]) / hz / elapsed * 100
                figures.append("\(p.name) \(String(format: "%.2f", pct))%")
                #expect(pct < limit, "\(p.name) used \(pct)% CPU while idle (limit \(limit)% for \(ringchatBinary))")
            }
            let passes = c.chatPeers[0].current().filter { $0.name == "token" && $0.at >= wallMillis() - Int64(elapsed * 1000) }.count
            print("idle CPU over \(String(format: "%.1f", elapsed)) s (utime+stime from /proc/<pid>/stat, \(debugBuild ? "debug" : "optimized") build \(ringchatBinary)): \(figures.joined(separator: ", ")); \(passes) token holder changes seen by alice")
            for p in c.peers { #expect(p.stop() == 0) }
        }

        func cpuTicks(_ pid: pid_t) -> Int {
            guard let s = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = s.lastIndex(of: ")") else { return 0 }
            // Fields after "(comm)": state is field 3; utime 14, stime 15.
            let f = s[s.index(after: close)...].split(separator: " ")
            return (Int(f[11]) ?? 0) + (Int(f[12]) ?? 0)
        }
    }
}
