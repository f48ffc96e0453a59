/// Rebuilds a node's log on restart, one replica line at a time, so that
/// the shell can stream its file instead of holding it: the newest
/// checkpoint's snapshot stands for the lines it covers (the shell skips
/// them), and only the lines after it are added.
///
/// Without a usable snapshot (a checkpoint of an older version, or a
/// replica that no longer holds the checkpoint's lines) every line is
/// replayed; `Node.restore` warns about the second case.
public struct ReplicaReplay: Sendable {
    public private(set) var log: MessageLog
    public let checkpoint: Checkpoint?
    /// Whether the checkpoint's snapshot was used.
    public let fromSnapshot: Bool
    /// Lines the snapshot stands for: the shell starts reading after them.
    public let skip: Int
    /// Lines added after `skip`.
    public private(set) var replayed = 0
    /// `snapshotUsable` is the shell's check that the replica still holds
    /// the checkpoint's lines unchanged (the runtime compares the byte
    /// position, the simulator the line count).
    public init(checkpoint: Checkpoint?, snapshotUsable: Bool, capacity: Int = MessageLog.defaultCapacity) {
        self.checkpoint = checkpoint
        if let cp = checkpoint, let snap = cp.log, snapshotUsable {
            log = MessageLog(snapshot: snap, capacity: capacity)
            fromSnapshot = true
            skip = cp.replicaCount
        } else {
            log = MessageLog(capacity: capacity)
            fromSnapshot = false
            skip = 0
        }
    }

    /// The next replica line after `skip`.
    public mutating func add(_ m: ChatMessage) {
        _ = log.insert(m, delivered: true)
        replayed += 1
    }

    /// Lines of the replica: those skipped plus those replayed.
    public var lines: Int { skip + replayed }
}
