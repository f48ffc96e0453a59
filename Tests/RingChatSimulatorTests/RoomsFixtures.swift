import RingChatCore
@testable import RingChatSimulator

// A clean, hand-made history with rooms and a private message, with the
// nodes' screens: node 0 says a lobby line, node 2 a line in #ops, node 0 a
// private line to node 1, node 2 a second lobby line.

func roomMessage(_ origin: NodeID, _ counter: UInt32, seq: UInt64, room: String, kind: MessageKind = .text,
                 text: String? = nil) -> ChatMessage {
    var m = message(origin, counter, seq: seq, text: text)
    m.room = room
    m.kind = kind
    return m
}

let dmPlaintext = "<m0-2 for n1>"
/// Opaque to the checker: what matters is that it is not the plaintext.
let dmBox = "5e1f0c9a77d2b41e0123456789abcdef"

let lobby1 = roomMessage(n0, 1, seq: 1, room: RoomName.lobby)
let ops1 = roomMessage(n2, 1, seq: 2, room: "#ops")
let dm1 = roomMessage(n0, 2, seq: 3, room: RoomName.address(of: n1), kind: .private, text: dmBox)
let lobby2 = roomMessage(n2, 2, seq: 4, room: RoomName.lobby)
let roomsLog = [lobby1, ops1, dm1, lobby2]

/// What node n's screen shows of m: a private line at its ends only, in
/// the window of its peer, as typed.
func screenLine(_ n: Int, _ m: ChatMessage) -> ShownLine? {
    let ids = [n0, n1, n2]
    guard m.kind == .private else { return ShownLine(id: m.id, slot: m.slot, window: m.room, text: m.text) }
    guard let peer = RoomName.peer(of: m, me: ids[n]) else { return nil }
    return ShownLine(id: m.id, slot: m.slot, window: RoomName.address(of: peer),
                     text: m.id == dm1.id ? dmPlaintext : m.text)
}

extension HistoryBuilder {
    mutating func said(_ n: Int, _ m: ChatMessage, to: Int? = nil, away: Bool = false) {
        history.records.append(.said(node: n, id: m.id, room: m.room, plaintext: m.kind == .private ? dmPlaintext : m.text,
                                     to: to, recipientAway: away, at: now))
    }
    mutating func shown(_ n: Int, _ line: ShownLine, backfill: Bool = false) {
        history.records.append(.shown(node: n, line: line, backfill: backfill, at: now))
    }
    /// Stored, delivered and (where its screen may) shown.
    mutating func gotShown(_ n: Int, _ m: ChatMessage, backfill: Bool = false) {
        got(n, m, backfill: backfill)
        if let line = screenLine(n, m) { shown(n, line, backfill: backfill) }
    }
    /// As `finish`, with each node's screen holding its part of `log`.
    mutating func finishWithViews(log: [ChatMessage]) {
        finish(log: log)
        for n in history.finals.indices {
            var views: [String: [ShownLine]] = [:]
            for m in history.finals[n].log { if let l = screenLine(n, m) { views[l.window, default: []].append(l) } }
            history.finals[n].views = views
            history.finals[n].stored = history.finals[n].log.map(\.text)
        }
    }
}

/// The clean rooms run. `recipientAway`: node 1 is down while the private
/// line is sent, and reads it after its restart. `node2`: node 2's
/// deliveries, in order, with their backfill flags. `dm`: the private
/// message as every replica stores it.
func roomsBuilder(finish: Bool = true, recipientAway: Bool = false, node2: [(ChatMessage, Bool)]? = nil,
                  dm: ChatMessage = dm1) -> HistoryBuilder {
    var b = HistoryBuilder()
    b.history.nodes = [n0, n1, n2]
    b.history.recordsViews = true
    for n in 0..<3 { b.start(n) }
    if recipientAway { b.crashed(1) }
    for (n, m, to) in [(0, lobby1, nil), (2, ops1, nil), (0, dm, Optional(1))] {
        b.typed(n, m.id)
        b.said(n, m, to: to, away: recipientAway && to == 1)
    }
    for m in [lobby1, ops1, dm] { b.gotShown(0, m) }
    if recipientAway { b.start(1, incarnation: 2) }
    for m in [lobby1, ops1, dm] { b.gotShown(1, m) }
    b.typed(2, lobby2.id)
    b.said(2, lobby2)
    b.gotShown(0, lobby2)
    b.gotShown(1, lobby2)
    for (m, late) in node2 ?? [(lobby1, false), (ops1, false), (dm, false), (lobby2, false)] {
        b.gotShown(2, m, backfill: late)
    }
    if finish { b.finishWithViews(log: [lobby1, ops1, dm, lobby2]) }
    return b
}

var roomsHistory: History { roomsBuilder().history }

/// The index of the first `shown` record of node n for id.
func shownIndex(_ h: History, node n: Int, _ id: MessageID) -> Int? {
    h.records.firstIndex { r in
        if case .shown(let k, let line, _, _) = r { return k == n && line.id == id }
        return false
    }
}
