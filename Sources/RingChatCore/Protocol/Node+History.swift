/// What the node holds but no longer caches (evicted from `log`, or known
/// only from a checkpoint's snapshot) lives in the shell's history store
/// (the replica). The node never reads it itself: it asks with
/// `Effect.readHistory` and carries on when the shell answers with
/// `Input.historyRead` (at once, in the same turn, or later). A shell
/// without a store answers with empty lists: the node then answers peers
/// from its cache alone.
///
/// The screen's pages of history (`HistoryPage`) are read by the shell from
/// its store, off the loop thread, and merged with the cache on it
/// (`history(_:disk:)`).
public struct HistoryRequest: Sendable, Hashable {
    public typealias ID = UInt64
    /// Echoed in the answer.
    public var id: ID
    /// What to read; the answer has one list per read, in this order.
    public var reads: [Read]

    public enum Read: Sendable, Hashable {
        /// The message whose replica line has this slot (`HistoryStore.message(at:)`).
        case slot(Slot)
        /// Held messages of a stream (`HistoryStore.messages(of:counters:limit:)`).
        case stream(StreamID, counters: ClosedRange<UInt32>, limit: Int)
    }
}

extension HistoryStore {
    /// The answer to a node's request, to feed back as
    /// `.historyRead(request.id, answer(request))`.
    public func answer(_ request: HistoryRequest) -> [[ChatMessage]] {
        request.reads.map { read in
            switch read {
            case .slot(let s): message(at: s).map { [$0] } ?? []
            case .stream(let s, let counters, let limit): messages(of: s, counters: counters, limit: limit)
            }
        }
    }
}

/// A page of the screen's history: up to `limit` messages in the agreed
/// order just before a slot (the newest when nil) or just after one, oldest
/// first.
public enum HistoryPage: Sendable, Hashable {
    case before(Slot?, limit: Int)
    case after(Slot, limit: Int)

    /// The store's lines of the page (`Node.history(_:disk:)` merges them
    /// with the cache).
    public func read(from store: any HistoryStore) -> [ChatMessage] {
        switch self {
        case .before(let slot, let limit): store.page(before: slot, limit: limit)
        case .after(let slot, let limit): store.page(after: slot, limit: limit)
        }
    }
}

/// What the node was doing when it asked for history: resumed on the answer.
enum PendingRead {
    /// Answering a NACK (Node+Repair `answerNack`): the slots asked for.
    case nack(Nack, requester: NodeID, slots: [Slot])
    /// Answering a reconcile request (Node+Repair `answerReconcile`),
    /// stopped at a range the cache does not hold completely.
    case reconcile(ReconcileAnswer)
}

extension Node {
    /// Reads waiting for an answer, at most: a shell that never answers
    /// (or answers late) costs the oldest ones, which peers ask again for.
    static let maxPendingReads = 64

    /// Asks the shell to read `reads` from its store; `then` resumes on the answer.
    func readHistory(_ reads: [HistoryRequest.Read], then pending: PendingRead) {
        lastReadID += 1
        if pendingReads.count >= Self.maxPendingReads, let oldest = pendingReads.keys.min() {
            pendingReads[oldest] = nil
        }
        pendingReads[lastReadID] = pending
        emit(.readHistory(HistoryRequest(id: lastReadID, reads: reads)))
    }

    func historyRead(_ id: HistoryRequest.ID, _ results: [[ChatMessage]], now: Instant) {
        guard let pending = pendingReads.removeValue(forKey: id) else { return }
        switch pending {
        case .nack(let n, let requester, let slots):
            var stored: [Slot: ChatMessage] = [:]
            for (slot, found) in zip(slots, results) { if let m = found.first { stored[slot] = m } }
            answerNack(n, from: requester, now: now, stored: stored)
        case .reconcile(let state):
            continueReconcileAnswer(state, stored: results.first ?? [], now: now)
        }
    }

    // MARK: the screen's view

    /// The whole replica in the agreed order: from the cache while it holds
    /// everything, else from `store` (tests and small replicas; the TUI
    /// pages through it instead).
    public func history(from store: (any HistoryStore)? = nil) -> [ChatMessage] {
        guard !log.isComplete, let store else { return log.sorted() }
        let relocated = log.relocated
        var all = store.page(before: nil, limit: Int.max)
        if !relocated.isEmpty {
            for i in all.indices { if let s = relocated[all[i].id] { all[i].slot = s } }
            all.sort { ($0.slot, $0.id) < ($1.slot, $1.id) }
        }
        return all
    }

    /// Up to `limit` messages in the agreed order just before `slot` (the
    /// newest when nil), oldest first: `store`'s lines merged with the
    /// cache (whose newest lines the disk thread may not have written yet).
    public func history(before slot: Slot?, limit: Int, from store: (any HistoryStore)?) -> [ChatMessage] {
        history(.before(slot, limit: limit), disk: store.map { HistoryPage.before(slot, limit: limit).read(from: $0) } ?? [])
    }

    /// Up to `limit` messages in the agreed order just after `slot`.
    public func history(after slot: Slot, limit: Int, from store: (any HistoryStore)?) -> [ChatMessage] {
        history(.after(slot, limit: limit), disk: store.map { HistoryPage.after(slot, limit: limit).read(from: $0) } ?? [])
    }

    /// `page` from `disk`, the store's answer to it (read elsewhere: the
    /// shell's reader thread), merged with the cache.
    public func history(_ page: HistoryPage, disk: [ChatMessage]) -> [ChatMessage] {
        switch page {
        case .before(let slot, let limit):
            let recent = log.cached.values.filter { m in slot.map { m.slot < $0 } ?? true }
            return Array(merged(disk, recent).suffix(limit))
        case .after(let slot, let limit):
            let recent = log.cached.values.filter { $0.slot > slot }
            return Array(merged(disk, recent).prefix(limit))
        }
    }

    /// Store lines and cached messages as one list in the agreed order, the
    /// cache's copy (with the canonical slot) winning.
    private func merged(_ disk: [ChatMessage], _ recent: [ChatMessage]) -> [ChatMessage] {
        var byID: [MessageID: ChatMessage] = [:]
        for var m in disk {
            if let s = log.relocated[m.id] { m.slot = s }
            byID[m.id] = m
        }
        for m in recent { byID[m.id] = m }
        return byID.values.sorted { ($0.slot, $0.id) < ($1.slot, $1.id) }
    }
}
