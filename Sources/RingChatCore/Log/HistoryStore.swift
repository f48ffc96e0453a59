/// Read-only access to the messages a node holds but no longer caches:
/// the runtime implements it over replica.jsonl and its index, the
/// simulator over its in-memory replica. The node never reads it itself:
/// it asks its shell (`Effect.readHistory`, answered with `answer(_:)` as
/// `Node.Input.historyRead`) when a peer catches up, and the shell reads
/// pages of history for the screen (`Node.history(before:limit:from:)`).
/// Nothing in the core writes it.
///
/// Reads may lag the newest appends by the disk thread's queue: a message
/// not found is skipped, and the reconciler asks again.
public protocol HistoryStore: AnyObject {
    /// Held messages of stream `s` with counters in `counters`, in counter
    /// order, at most `limit`.
    func messages(of s: StreamID, counters: ClosedRange<UInt32>, limit: Int) -> [ChatMessage]
    /// The message whose replica line has this slot.
    func message(at slot: Slot) -> ChatMessage?
    /// Up to `limit` messages in the agreed order, oldest first: those just
    /// before `slot` (the newest ones when nil).
    func page(before slot: Slot?, limit: Int) -> [ChatMessage]
    /// Up to `limit` messages in the agreed order just after `slot`.
    func page(after slot: Slot, limit: Int) -> [ChatMessage]
}
