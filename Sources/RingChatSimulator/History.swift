import RingChatCore

/// What happened in one run, as the invariant checker sees it. The
/// simulator records it; tests can also write one by hand to prove the
/// checker catches each kind of violation.
public struct History: Sendable {
    public enum Record: Sendable {
        /// A user typed a line and it got this id.
        case typed(node: Int, id: MessageID, at: Instant)
        /// A node stored a message (its replica gained a line).
        case persisted(node: Int, message: ChatMessage, at: Instant)
        case delivered(node: Int, incarnation: UInt32, message: ChatMessage, backfill: Bool, at: Instant)
        /// A node multicast fresh chat messages of `ring`.
        case sentFresh(node: Int, ring: RingID, at: Instant)
        case tokenHeld(node: Int, ring: RingID, at: Instant)
        case tokenReleased(node: Int, ring: RingID, at: Instant)
        /// A checkpoint was written with these outbox ids.
        case checkpointed(node: Int, outbox: [MessageID], at: Instant)
        case crashed(node: Int, at: Instant)
        /// A node restarted: its durable replica held `durable`; its log
        /// after restore held `restored`.
        case restarted(node: Int, incarnation: UInt32, durable: Set<MessageID>, restored: Set<MessageID>, at: Instant)
        /// What a typed line was for (recorded when the workload has rooms
        /// or private messages): its room's wire form and, for a private
        /// line, its recipient, the plaintext the user typed (the message
        /// carries only the sealed box) and whether the recipient was down.
        case said(node: Int, id: MessageID, room: String, plaintext: String, to: Int?, recipientAway: Bool, at: Instant)
        /// A delivered line appeared on a node's screen, in a window.
        case shown(node: Int, line: ShownLine, backfill: Bool, at: Instant)
    }

    /// A node's state when the run ended.
    public struct FinalState: Sendable {
        public var alive: Bool
        /// Its replica in the agreed order.
        public var log: [ChatMessage]
        public var delivered: Set<MessageID>
        public var outbox: Int
        public var ring: RingID?
        /// Slots occupied by a message whose canonical (lowest) slot is
        /// elsewhere: a line re-sent after its sender crashed.
        public var extraSlots: [Slot]
        /// Its screen: each window's lines, in the order shown.
        public var views: [String: [ShownLine]]
        /// Every text its state holds at the end (what a state dir would):
        /// its replica's lines, and the outbox lines and draft of its kept
        /// checkpoints.
        public var stored: [String]

        public init(alive: Bool, log: [ChatMessage], delivered: Set<MessageID>, outbox: Int, ring: RingID?,
                    extraSlots: [Slot] = [], views: [String: [ShownLine]] = [:], stored: [String] = []) {
            self.alive = alive
            self.log = log
            self.delivered = delivered
            self.outbox = outbox
            self.ring = ring
            self.extraSlots = extraSlots
            self.views = views
            self.stored = stored
        }
    }

    public var records: [Record] = []
    public var finals: [FinalState] = []
    /// When crashes, partitions and typing stopped.
    public var faultsEndedAt: Instant = .zero
    /// When all live nodes had converged, if they did.
    public var convergedAt: Instant?
    /// Why the run did not converge, when it did not.
    public var notConverged: String?
    /// Whether the run promises that no line is shown late (the
    /// `noLateDelivery` invariant): set by the simulator for a run in which
    /// no partition happened and no hostile node spoke. Off by default (a
    /// hand-made history says nothing about its network).
    public var expectsNoLateDeliveries = false
    /// Each node's id, by index (who the ends of a private message are).
    public var nodes: [NodeID] = []
    /// Whether `shown` records and final views were kept, so that the
    /// screens' invariants apply to the whole run (set by the simulator; a
    /// hand-made history without screens says nothing about them).
    public var recordsViews = false

    public init() {}
}
