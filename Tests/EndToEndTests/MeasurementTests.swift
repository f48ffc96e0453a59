import Foundation
import Glibc
import Testing
import RingChatCore

extension EndToEnd {
    @Suite struct Measurements {
        /// SIGKILL of the token holder, default timeouts: a line typed on a
        /// survivor at the moment of the kill is delivered within 1 s; from
        /// 1 s after the kill until the restart, no survivor sees the dead
        /// node as holder (the token passes among live nodes only).
        @Test func holderKillRecoversWithinOneSecond() throws {
            let trials = Int(ProcessInfo.processInfo.environment["RINGCHAT_E2E_FAILOVER_TRIALS"] ?? "") ?? 6
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
                let deadID = try #require(victim.nodeID)
                // Kill it the moment it reports holding the token (an idle
                // holder keeps it 100 ms; the test polls every 2 ms).
                let before = victim.current().count
                var killedHolding = false
                let deadline = now() + 10
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

                let got = waitUntil(10) { survivor.delivered(currentRunOnly: true).contains { $0.string("text") == probe } }
                try #require(got, "probe never delivered\n\(c.diagnostics())")
                let at = survivor.delivered(currentRunOnly: true).first { $0.string("text") == probe }!.at
                latencies.append(at - t0)

                // Live members only: from kill + 1 s until the restart.
                let quietFrom = t0 + 1000
                while wallMillis() < t0 + 2500 { usleep(50_000) }
                for p in peers where p !== victim {
                    let bad = p.current().filter { $0.name == "token" && $0.at >= quietFrom && $0.string("holder") == deadID }
                    #expect(bad.isEmpty, "\(p.name) saw the dead \(victim.name) as holder \(bad.count) times more than 1 s after the kill")
                }
                try victim.start()
                try #require(c.waitForMembers(4), "\(victim.name) did not rejoin\n\(c.diagnostics())")
                sleep(seconds: 0.5)
            }
            let sorted = latencies.sorted()
            print("failover: SIGKILL of the holder -> next delivery (ms): \(latencies.map(String.init).joined(separator: ", ")); median \(sorted[sorted.count / 2]), max \(sorted.last!); died holding: \(heldAtKill)")
            for (i, l) in latencies.enumerated() {
                #expect(l < 1000, "trial \(i): \(l) ms from SIGKILL of the holder to the next delivery")
            }
            for p in c.peers { #expect(p.stop() == 0, "\(p.tail())") }
        }

        /// An idle ring of four (a server and three headless peers, default
        /// timeouts: heartbeats every 100 ms, token passed every 100 ms) costs
        /// under 1% CPU per node, from /proc/<pid>/stat utime+stime over
        /// RINGCHAT_IDLE_SECONDS (10 by default; 30 for the figure in
        /// README.md, "Measured figures").
        ///
        /// The requirement is on the shipped (release) binary: measure it
        /// with RINGCHAT_BIN=.build/release/ringchat. `swift test` runs the
        /// unoptimized debug build, whose generic Swift code costs about
        /// twice as much per datagram; there the bound is 1.5% unless
        /// RINGCHAT_IDLE_MAX_PERCENT says otherwise, which still catches any
        /// busy loop or timer storm.
        @Test func idleRingUsesUnderOnePercentCPU() throws {
            let env = ProcessInfo.processInfo.environment
            let seconds = Double(env["RINGCHAT_IDLE_SECONDS"] ?? "") ?? 10
            let debugBuild = ringchatBinary.contains("/debug/")
            let limit = Double(env["RINGCHAT_IDLE_MAX_PERCENT"] ?? "") ?? (debugBuild ? 1.5 : 1.0)
            let c = Cluster(label: "idle")
            defer { c.close() }
            c.add("server", .server)
            for n in ["alice", "bob", "carol"] { c.add(n) }
            try c.startAll()
            try #require(c.waitForMembers(4), "\(c.diagnostics())")
            sleep(seconds: 1)   // start-up work (loading, first ring) is not idle
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
