import RingChatCore
import RingChatIO
import RingChatSession

/// What the chat screen asks of the node behind it. `NodeHost` is the real
/// one; the unit tests drive `ChatController` with a fake, so the mapping
/// of keys and host events to the screen is tested without sockets or a
/// terminal.
protocol ChatBackend: AnyObject {
    /// Queues a line for the next token visit, said in `room` (the
    /// lobby `""` or a `#name`).
    func type(_ text: String, kind: MessageKind, room: String)
    /// Queues lines for one token visit (a paste) in `room`.
    func type(lines: [String], kind: MessageKind, room: String)
    /// Joins a `#name` room (announced with the next heartbeat); false if
    /// the node is in as many rooms as a heartbeat can carry.
    func join(_ room: String) -> Bool
    /// Leaves a room; false if the node was not in it.
    @discardableResult func part(_ room: String) -> Bool
    /// The rooms seen on the ring (the lobby first) with member counts.
    var roomList: [(room: String, members: Int)] { get }
    /// A private message to `nick`, sealed for it alone.
    func sendPrivate(to nick: String, text: String) -> PrivateSendResult
    /// What `/whois nick` shows, a line each.
    func whois(_ nick: String) -> [String]
    /// The nick the host knows for a node (live or seen before).
    func peerNick(_ id: NodeID) -> String?
    /// Takes a checkpoint now; `.checkpointWritten` follows.
    func checkpoint()
    /// Drops all in-memory state and restores from disk; `.restored`
    /// arrives before this returns.
    func simulateCrash() throws
    func setNick(_ nick: String)
    /// The unsent input line, carried into checkpoints.
    var draft: String { get set }
    /// Up to `limit` messages of the replica in the agreed order just
    /// before `slot` (the newest when nil), oldest first.
    func history(before slot: Slot?, limit: Int) -> [ChatMessage]
    /// Up to `limit` messages in the agreed order just after `slot`.
    func history(after slot: Slot, limit: Int) -> [ChatMessage]
    /// This node's id (nil before start).
    var nodeID: NodeID? { get }
    /// Looks for lines of the whole history on disk, off the loop thread;
    /// `answer` runs later on the loop thread (never, if the node stops).
    func search(_ query: SearchQuery, before: Int?, limit: Int, answer: @escaping (SearchAnswer) -> Void)
    /// `page` for the screen; `done` runs later on the loop thread (the
    /// real host reads the replica on its reader thread), or at once.
    func readPage(_ page: HistoryPage, _ done: @escaping ([ChatMessage]) -> Void)
}

extension ChatBackend {
    /// A backend without a history on disk finds nothing.
    func search(_ query: SearchQuery, before: Int?, limit: Int, answer: @escaping (SearchAnswer) -> Void) {
        answer(SearchAnswer(query: query, hits: [], limit: limit, indexedLines: 0, building: false, micros: 0, error: nil))
    }

    /// At once, through `history(before:limit:)` and `history(after:limit:)`.
    func readPage(_ page: HistoryPage, _ done: @escaping ([ChatMessage]) -> Void) {
        switch page {
        case .before(let slot, let limit): done(history(before: slot, limit: limit))
        case .after(let slot, let limit): done(history(after: slot, limit: limit))
        }
    }
}

extension NodeHost: ChatBackend {
    // Private messages opened, or left out when not this node's (`forScreen`).
    func history(before slot: Slot?, limit: Int) -> [ChatMessage] {
        forScreen(currentNode?.history(before: slot, limit: limit, from: historyStore) ?? [])
    }
    func history(after slot: Slot, limit: Int) -> [ChatMessage] {
        forScreen(currentNode?.history(after: slot, limit: limit, from: historyStore) ?? [])
    }
    var nodeID: NodeID? { currentNode?.id }
}
