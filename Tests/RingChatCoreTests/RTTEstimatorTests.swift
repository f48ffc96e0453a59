import Testing
@testable import RingChatCore

@Suite("RTT estimator of token passes")
struct RTTEstimatorTests {
    @Test("no sample: no extra timeout, so fast networks keep the configured timers")
    func empty() {
        #expect(RTTEstimator().timeout == .zero)
    }

    @Test("first sample sets srtt = r and rttvar = r/2 (RFC 6298)")
    func first() {
        var e = RTTEstimator()
        e.add(.milliseconds(100))
        #expect(e.smoothed == 100)
        #expect(e.variation == 50)
        #expect(e.timeout == .milliseconds(300))
    }

    @Test("the timeout grows with a slow network and is capped", arguments: [50, 200, 400, 2_000])
    func grows(ms: Int) {
        var e = RTTEstimator()
        for i in 0..<50 { e.add(.milliseconds(ms + (i % 2 == 0 ? 10 : -10))) }
        #expect(e.timeout >= .milliseconds(min(ms, 500)) - .milliseconds(10))
        #expect(e.timeout <= RTTEstimator.maxTimeout)
    }

    @Test("a slow successor stretches the node's timers instead of being skipped")
    func nodeTimersStretch() {
        let node = Node(id: NodeID(1), incarnation: 1, nick: "a", seed: 1, now: .zero)
        let before = node.lossTimeout
        for _ in 0..<20 { node.passRTT.add(.milliseconds(450)) }
        #expect(node.resendInterval >= .milliseconds(450))
        #expect(node.lossTimeout > before)
        #expect(node.memberTimeout > NodeConfig().memberTimeout)
    }
}

@Suite("Local health (Lifeguard): a late loop does not blame its peers")
struct LocalHealthTests {
    @Test("late ticks raise the multiplier up to its bound; ticks on time bring it back to 1")
    func score() {
        var h = LocalHealth()
        var t = Instant.zero
        for _ in 0..<10 {
            h.expect(t + .milliseconds(10))
            t = t + .milliseconds(200) // 190 ms late
            h.ticked(at: t)
        }
        #expect(h.multiplier == 1 + LocalHealth.maxScore)
        // A tick a little late (under the threshold) does not count.
        var g = LocalHealth()
        g.expect(.milliseconds(10))
        g.ticked(at: .milliseconds(40))
        #expect(g.multiplier == 1)
        // On time for long enough: back to 1.
        for _ in 0..<1_000 {
            h.expect(t + .milliseconds(10))
            t = t + .milliseconds(10)
            h.ticked(at: t)
        }
        #expect(h.multiplier == 1)
    }

    /// B beats every 100 ms, then dies. A healthy A drops it after the
    /// member timeout (450 ms); an A whose ticks came late waits longer,
    /// and is healthy again (450 ms) once its ticks are on time.
    func deadAfter(lateTicks: Int) -> Duration {
        let a = Node(id: nodeA, incarnation: 1, nick: "a", seed: 1, now: .zero)
        var t = Instant.zero
        var counter: UInt64 = 0
        func beat() {
            counter += 1
            _ = a.handle(.packet(packet(from: nodeB, counter: counter, .heartbeat(Heartbeat(
                nick: "b", ring: nil, queued: 0, highestEpoch: 0, digest: MessageLog().summary, page: [])))), now: t)
        }
        for i in 0..<20 {
            beat()
            let due = a.nextDeadline(now: t)
            t = t + .milliseconds(100)
            // The first ticks of the run come 90+ ms after their deadline.
            _ = a.handle(.tick, now: i < lateTicks ? max(t, due + .milliseconds(90)) : min(t, due))
        }
        beat()
        let died = t
        while a.membership.isLive(nodeB, now: t, timeout: a.memberTimeout), t < died + .seconds(10) {
            t = min(a.nextDeadline(now: t), t + .milliseconds(10))
            _ = a.handle(.tick, now: t)
        }
        return t - died
    }

    @Test("a healthy node drops a dead member within the member timeout; a late one waits longer")
    func memberTimeout() {
        let healthy = deadAfter(lateTicks: 0)
        #expect(healthy <= .milliseconds(460) && healthy >= .milliseconds(450), "\(healthy)")
        let late = deadAfter(lateTicks: 20)
        #expect(late >= .milliseconds(900), "\(late)")
        #expect(late <= NodeConfig().memberTimeout * (1 + LocalHealth.maxScore) + .milliseconds(10), "\(late)")
    }
}
