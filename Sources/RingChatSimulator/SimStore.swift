import RingChatCore

/// A simulated node's replica as its `HistoryStore`: the lines it persisted,
/// in memory, indexed by id and by slot. It plays the part of the runtime's
/// replica file + index, so that nodes whose cache evicted a message (or
/// that restarted from a snapshot) answer peers from "disk" as real ones do.
final class SimStore: HistoryStore {
    private(set) var lines: [ChatMessage] = []
    private var byID: [MessageID: Int] = [:]
    private var bySlot: [Slot: Int] = [:]

    init(_ lines: [ChatMessage]) { for m in lines { append(m) } }

    func append(_ m: ChatMessage) {
        byID[m.id] = lines.count
        bySlot[m.slot] = lines.count
        lines.append(m)
    }

    func messages(of s: StreamID, counters: ClosedRange<UInt32>, limit: Int) -> [ChatMessage] {
        var out: [ChatMessage] = []
        for c in counters {
            if let i = byID[MessageID(origin: s.origin, incarnation: s.incarnation, counter: c)] {
                out.append(lines[i])
                if out.count == limit { break }
            }
        }
        return out
    }

    func message(at slot: Slot) -> ChatMessage? { bySlot[slot].map { lines[$0] } }

    private func ordered() -> [ChatMessage] { lines.sorted { ($0.slot, $0.id) < ($1.slot, $1.id) } }

    func page(before slot: Slot?, limit: Int) -> [ChatMessage] {
        let all = ordered()
        let end = slot.map { s in all.firstIndex { $0.slot >= s } ?? all.count } ?? all.count
        return Array(all[max(0, end - limit)..<end])
    }

    func page(after slot: Slot, limit: Int) -> [ChatMessage] {
        Array(ordered().filter { $0.slot > slot }.prefix(limit))
    }
}
