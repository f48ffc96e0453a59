import RingChatCore
import RingChatIO
import RingChatStorage

/// What a `NodeHost` reports to its screen (the TUI, the headless JSON
/// writer, the server's log), always on the loop thread.
///
/// A delivery per message: the rare large cases are boxed, as in
/// `Effect`, so that each delivery is not copied at their size.
public enum HostEvent: Sendable {
    /// Show this message. `backfill`: it belongs before messages already
    /// shown (a filled gap, a healed partition).
    case delivered(ChatMessage, backfill: Bool)
    /// The token's story (requested, granted, passed, regenerated...).
    case token(TokenEvent)
    /// The status bar changed (holder, members, lag, queue, checkpoint).
    indirect case status(NodeStatus)
    /// A restore from checkpoint + replica finished (on start and after a
    /// simulated crash). `warnings` holds every problem met while loading
    /// the state dir (a corrupt checkpoint, a cut replica tail...).
    indirect case restored(RestoreReport)
    /// A checkpoint is durable on disk (written, fsynced, renamed).
    indirect case checkpointWritten(Checkpoint)
    /// Something the user should know, from the protocol (e.g. outbox full).
    case notice(String)
    /// Something went wrong in the shell (disk, socket) but the node runs on.
    case warning(String)
}
