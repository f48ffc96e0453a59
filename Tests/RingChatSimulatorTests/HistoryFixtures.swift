import RingChatCore
@testable import RingChatSimulator

// A clean, hand-made history of three nodes in one ring, and the ways of
// breaking it that the invariant checker must catch.

let n0 = NodeID(0x10), n1 = NodeID(0x20), n2 = NodeID(0x30)
let ringR = RingID(epoch: 1, creator: n0, incarnation: 1)

func message(_ origin: NodeID, _ counter: UInt32, seq: UInt64, ring: RingID = ringR, incarnation: UInt32 = 1,
             text: String? = nil) -> ChatMessage {
    let id = MessageID(origin: origin, incarnation: incarnation, counter: counter)
    return ChatMessage(id: id, nick: "n\(origin.short)", text: text ?? "text of \(id)", slot: Slot(ring: ring, seq: seq),
                       timestamp: 1_700_000_000_000)
}

/// A: typed by node 0 (seq 1); B: typed by node 1 (seq 2).
let msgA = message(n0, 1, seq: 1)
let msgB = message(n1, 1, seq: 2)

func t(_ ms: Int64) -> Instant { .milliseconds(ms) }

/// Builds histories record by record, with a clock that moves on by 1 ms
/// per record.
struct HistoryBuilder {
    var history = History()
    var clock: Int64 = 0

    var now: Instant { mutating get { clock += 1; return t(clock) } }

    mutating func start(_ n: Int, incarnation: UInt32 = 1, durable: Set<MessageID> = [], restored: Set<MessageID>? = nil) {
        history.records.append(.restarted(node: n, incarnation: incarnation, durable: durable,
                                          restored: restored ?? durable, at: now))
    }
    mutating func typed(_ n: Int, _ id: MessageID) { history.records.append(.typed(node: n, id: id, at: now)) }
    mutating func held(_ n: Int, _ r: RingID = ringR) { history.records.append(.tokenHeld(node: n, ring: r, at: now)) }
    mutating func released(_ n: Int, _ r: RingID = ringR) { history.records.append(.tokenReleased(node: n, ring: r, at: now)) }
    mutating func sent(_ n: Int, _ r: RingID = ringR) { history.records.append(.sentFresh(node: n, ring: r, at: now)) }
    mutating func persisted(_ n: Int, _ m: ChatMessage) { history.records.append(.persisted(node: n, message: m, at: now)) }
    mutating func delivered(_ n: Int, _ m: ChatMessage, backfill: Bool = false, incarnation: UInt32 = 1) {
        history.records.append(.delivered(node: n, incarnation: incarnation, message: m, backfill: backfill, at: now))
    }
    /// Stored and shown, the usual pair.
    mutating func got(_ n: Int, _ m: ChatMessage, backfill: Bool = false) {
        persisted(n, m)
        delivered(n, m, backfill: backfill)
    }
    mutating func checkpointed(_ n: Int, outbox: [MessageID]) {
        history.records.append(.checkpointed(node: n, outbox: outbox, at: now))
    }
    mutating func crashed(_ n: Int) { history.records.append(.crashed(node: n, at: now)) }

    /// Every node alive, holding `log` (sorted into the agreed order),
    /// having shown all of it, converged.
    mutating func finish(log: [ChatMessage], nodes: Int = 3, extraSlots: [Slot] = []) {
        let sorted = log.sorted { ($0.slot, $0.id) < ($1.slot, $1.id) }
        history.finals = (0..<nodes).map { _ in
            History.FinalState(alive: true, log: sorted, delivered: Set(sorted.map(\.id)), outbox: 0, ring: ringR,
                               extraSlots: extraSlots)
        }
        history.faultsEndedAt = t(clock + 1)
        history.convergedAt = t(clock + 100)
    }
}

/// The clean run: node 0 holds the token, types and sends A; passes to node
/// 1, which types and sends B; node 2 gets both and holds the token last.
/// `b` replaces B (to move it to another seq); `node2` is what node 2
/// shows, in order, with its backfill flags.
func cleanBuilder(finish: Bool = true, a: ChatMessage = msgA, b msgB: ChatMessage = msgB,
                  node2: [(ChatMessage, Bool)]? = nil) -> HistoryBuilder {
    var b = HistoryBuilder()
    for n in 0..<3 { b.start(n) }
    b.held(0)
    b.typed(0, a.id)
    b.sent(0)
    b.got(0, a)
    b.released(0)
    b.got(1, a)
    b.held(1)
    b.typed(1, msgB.id)
    b.sent(1)
    b.got(1, msgB)
    b.released(1)
    b.got(0, msgB)
    for (m, late) in node2 ?? [(msgA, false), (msgB, false)] { b.got(2, m.id == msgA.id ? a : m.id == msgB.id ? msgB : m, backfill: late) }
    b.held(2)
    if finish { b.finish(log: [a, msgB]) }
    return b
}

var cleanHistory: History { cleanBuilder().history }
