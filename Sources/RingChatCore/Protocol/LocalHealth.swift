/// This node's own health, as Lifeguard's local health multiplier (Dadgar
/// et al., "Lifeguard: Local Health Awareness for More Accurate Failure
/// Detection", 2018; SWIM's `localHealthMultiplier` in
/// swift-cluster-membership): a node whose own event loop runs late (a
/// loaded machine, a paused process) must not blame its peers for the
/// silence it caused. Every tick is compared with the deadline the node
/// last asked the shell for (`Node.nextDeadline`); a tick more than
/// `lateThreshold` late raises the score by one (up to `maxScore`), and
/// each `recovery` of ticks on time lowers it by one. The failure
/// timeouts (member timeout, token-loss timeout) are multiplied by
/// `1 + score`: at most `1 + maxScore` times their healthy value, and
/// exactly that value on a healthy node, so a dead member on a healthy LAN
/// is still dropped within the member timeout.
public struct LocalHealth: Sendable, Hashable {
    /// A tick later than this after its deadline counts against us: ten
    /// times what a healthy loop needs, far below any failure timeout.
    public static let lateThreshold: Duration = .milliseconds(50)
    /// The multiplier's bound: timeouts stretch at most five-fold (a
    /// member timeout of 450 ms becomes 2.25 s).
    public static let maxScore = 4
    /// Ticks on time for this long lower the score by one.
    public static let recovery: Duration = .seconds(2)

    public private(set) var score = 0
    /// The deadline the node last gave the shell, when it was given.
    private var expected: Instant?
    private var lastChange: Instant = .zero

    public init() {}

    /// The node told the shell to tick at `at`.
    mutating func expect(_ at: Instant) { expected = at }

    /// A tick arrived at `now`.
    mutating func ticked(at now: Instant) {
        guard let e = expected else { return }
        expected = nil
        if now > e, now - e > LocalHealth.lateThreshold {
            if score < LocalHealth.maxScore { score += 1 }
            lastChange = now
        } else if score > 0, now - lastChange >= LocalHealth.recovery {
            score -= 1
            lastChange = now
        } else if score == 0 {
            lastChange = now
        }
    }

    /// What the failure timeouts are multiplied by (1 when healthy).
    public var multiplier: Int { 1 + score }
}
