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
