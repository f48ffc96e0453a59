import RingChatCore

/// The invariants of DESIGN.md §4, checked after every simulated run.
public enum Invariant: String, CaseIterable, Sendable, Comparable {
    case agreement
    case order
    case mutualExclusion = "mutual-exclusion"
    case noLoss = "no-loss"
    case liveness
    case durability
    /// Without partitions, no line is shown late (DESIGN.md §3, Totem's
    /// recovery): see `InvariantChecker.noLateDelivery`.
    case noLateDelivery = "no-late-delivery"
    /// Rooms (issue 20): no line changes room, and every screen shows each
    /// room's lines in the agreed order: `InvariantChecker.roomOrder`.
    case roomOrder = "room-order"
    /// No third node's screen shows a private message, and its plaintext
    /// is in no third node's view and in no stored text anywhere.
    case privacy
    /// Both ends read every private message, in order, the recipient too
    /// when it was down when the message was sent.
    case privateDelivery = "private-delivery"

    public static func < (a: Invariant, b: Invariant) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public var summary: String {
        switch self {
        case .agreement: "a message id means one text everywhere; a (ring, seq) slot holds one id everywhere"
        case .order: "in-order deliveries follow the agreed order; no gaps inside a ring"
        case .mutualExclusion: "never two holders of one ring; chat sent only by a holder"
        case .noLoss: "what reached a replica, or whose sender survived, is in every live replica"
        case .liveness: "after the faults stop, replicas converge and the token circulates"
        case .durability: "a restart never goes back on its incarnation, reuses an id or loses its replica"
        case .noLateDelivery: "without partitions no line is shown late, except one a restarted node missed or one that was on no live disk"
        case .roomOrder: "a line keeps its room; each room's window shows its lines in the agreed order, all of them once converged"
        case .privacy: "a private message is shown only at its two ends; its plaintext is in no other view and in no stored text"
        case .privateDelivery: "both ends read each private message as typed, in order, the recipient also after being down"
        }
    }
}

public struct Violation: Sendable, CustomStringConvertible {
    public var invariant: Invariant
    public var detail: String
    public var at: Instant?

    public init(_ invariant: Invariant, _ detail: String, at: Instant? = nil) {
        self.invariant = invariant
        self.detail = detail
        self.at = at
    }

    public var description: String {
        "[\(invariant.rawValue)] \(detail)" + (at.map { " (t=\($0.milliseconds) ms)" } ?? "")
    }
}
