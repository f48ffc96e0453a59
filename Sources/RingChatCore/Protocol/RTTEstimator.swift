/// Smoothed round-trip time of token passes (pass sent → successor's ack),
/// as TCP estimates it (RFC 6298), so that the token's timers stretch with
/// the network: with `--delay 20-300` a pass legitimately takes 600 ms to
/// be acknowledged, and fixed 40 ms timers would declare healthy successors
/// dead and re-form the ring over and over.
public struct RTTEstimator: Sendable, Hashable {
    /// Milliseconds; nil until the first sample.
    public private(set) var smoothed: Double?
    public private(set) var variation: Double = 0
    /// Upper bound of the retransmission timeout: a dead successor must
    /// still be noticed in a few seconds however slow the network looked.
    public static let maxTimeout: Duration = .milliseconds(500)

    /// This estimator's bound on `timeout` (`maxTimeout` for the node's own
    /// passes; `MemberDelays.cap` per member).
    public let cap: Duration

    public init(cap: Duration = RTTEstimator.maxTimeout) { self.cap = cap }

    public mutating func add(_ sample: Duration) {
        let r = max(0, sample.milliseconds)
        if let s = smoothed {
            variation = 0.75 * variation + 0.25 * abs(s - r)
            smoothed = 0.875 * s + 0.125 * r
        } else {
            smoothed = r
            variation = r / 2
        }
        let ms = min(smoothed! + 4 * variation, cap.milliseconds)
        timeout = .microseconds(Int64(ms * 1000))
    }

    /// The re-send interval before any sample: a first pass on a slow
    /// network must not be given up on in a few tens of milliseconds
    /// (RFC 6298 starts at 1 s; a LAN answers the first pass in well under
    /// a millisecond, so this is paid at most once).
    public static let initialResend: Duration = .milliseconds(150)

    /// srtt + 4·rttvar, at most `cap`; zero before any sample.
    /// Kept up to date by `add` (the timers read it on every packet).
    public private(set) var timeout: Duration = .zero
}
