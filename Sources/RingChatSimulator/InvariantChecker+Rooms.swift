import RingChatCore

/// The invariants of rooms and private messages (issue 20), checked on the
/// screens (`shown` records and the final views) beside the replicas: the
/// global invariants say every replica holds one order; these say every
/// window shows its part of it, and only where it may.
extension InvariantChecker {
    /// What the records say about each line: the room it was typed for
    /// (or first seen in), and for a private one its plaintext and ends.
    struct LineFacts {
        struct Said {
            var node: Int
            var room: String
            var plaintext: String
            var to: Int?
            var away: Bool
        }

        var said: [MessageID: Said] = [:]
        /// The room each line was typed for, else the first room it was
        /// stored or shown in.
        var room: [MessageID: String] = [:]
        var isPrivate: Set<MessageID> = []
        /// Private plaintexts, and whose they are.
        var plaintexts: [String: MessageID] = [:]
        let nodes: [NodeID]

        init(_ h: History) {
            nodes = h.nodes
            for r in h.records {
                switch r {
                case .said(let n, let id, let room, let plaintext, let to, let away, _):
                    said[id] = Said(node: n, room: room, plaintext: plaintext, to: to, away: away)
                    self.room[id] = room
                    if to != nil {
                        isPrivate.insert(id)
                        plaintexts[plaintext] = id
                    }
                case .persisted(_, let m, _), .delivered(_, _, let m, _, _):
                    if room[m.id] == nil { room[m.id] = m.room }
                    if m.kind == .private { isPrivate.insert(m.id) }
                default: break
                }
            }
        }

        /// The two ends of a private line, as node indexes: its sender and
        /// the recipient it was typed for (or that its room names).
        func ends(_ id: MessageID) -> Set<Int> {
            var out: Set<Int> = []
            if let s = said[id] {
                out.insert(s.node)
                if let to = s.to { out.insert(to) }
            }
            if let i = nodes.firstIndex(of: id.origin) { out.insert(i) }
            if let to = room[id].flatMap(RoomName.recipient), let i = nodes.firstIndex(of: to) { out.insert(i) }
            return out
        }

        /// The window a line belongs in on node n's screen: its room, or
        /// for a private line the conversation with its other end.
        func window(_ id: MessageID, at n: Int) -> String? {
            guard isPrivate.contains(id) else { return room[id] }
            guard n < nodes.count else { return nil }
            let others = ends(id).filter { $0 != n && $0 < nodes.count }
            guard others.count == 1, let peer = others.first else { return nil }
            return RoomName.address(of: nodes[peer])
        }
    }

    /// No line changes room: every copy stored or shown of a line has the
    /// room it was typed for, and every screen shows it in that room's
    /// window. Each room's window (the lobby's too) shows its in-order lines
    /// in the agreed order, per node and incarnation (a restarted node shows
    /// its history anew); at the end each window holds a subsequence of the
    /// agreed order and, once converged, exactly that room's lines of it.
    static func roomOrder(_ h: History) -> [Violation] {
        let facts = LineFacts(h)
        var v: [Violation] = []
        var last: [Int: [String: Slot]] = [:]
        for r in h.records {
            switch r {
            case .persisted(let n, let m, let at), .delivered(let n, _, let m, _, let at):
                if let typed = facts.room[m.id], typed != m.room {
                    v.append(Violation(.roomOrder, "node \(n) holds \(m.id) in \(RoomName.display(m.room)), said in \(RoomName.display(typed))", at: at))
                }
            case .shown(let n, let line, let backfill, let at):
                if let w = facts.window(line.id, at: n), w != line.window {
                    v.append(Violation(.roomOrder, "node \(n) shows \(line.id) in the window \(RoomName.display(line.window)), not \(RoomName.display(w))", at: at))
                }
                guard !facts.isPrivate.contains(line.id), !backfill else { continue }
                if let l = last[n]?[line.window], !(line.slot > l) {
                    v.append(Violation(.roomOrder, "node \(n) shows \(line.slot) after \(l) in \(RoomName.display(line.window)) without marking it late", at: at))
                }
                last[n, default: [:]][line.window] = line.slot
            case .crashed(let n, _):
                last[n] = nil
            default: break
            }
            if v.count >= cap { return v }
        }
        v += finalWindows(h, facts, .roomOrder, conversations: false)
        return Array(v.prefix(cap))
    }

    /// A private line is shown only at its two ends, and its plaintext is
    /// in no other node's view and in no stored or delivered text at all
    /// (every replica and checkpoint, the ends' too, holds the sealed box
    /// only).
    static func privacy(_ h: History) -> [Violation] {
        let facts = LineFacts(h)
        var v: [Violation] = []
        func leaks(_ text: String) -> [MessageID] { brackets(text).compactMap { facts.plaintexts[$0] } }
        func screen(_ n: Int, _ line: ShownLine, at: Instant?) {
            if facts.isPrivate.contains(line.id), !facts.ends(line.id).contains(n) {
                v.append(Violation(.privacy, "node \(n) shows private \(line.id), of which it is not an end", at: at))
            }
            for id in leaks(line.text) where !facts.ends(id).contains(n) {
                v.append(Violation(.privacy, "node \(n) reads the plaintext of private \(id) in \(line.id)", at: at))
            }
        }
        for r in h.records {
            switch r {
            case .persisted(let n, let m, let at), .delivered(let n, _, let m, _, let at):
                for id in leaks(m.text) {
                    v.append(Violation(.privacy, "node \(n) holds the plaintext of private \(id) in the text of \(m.id)", at: at))
                }
            case .shown(let n, let line, _, let at):
                screen(n, line, at: at)
            default: break
            }
            if v.count >= cap { return v }
        }
        for (n, f) in h.finals.enumerated() {
            for (_, lines) in f.views.sorted(by: { $0.key < $1.key }) { for line in lines { screen(n, line, at: nil) } }
            for text in f.stored {
                for id in leaks(text) { v.append(Violation(.privacy, "node \(n)'s state holds the plaintext of private \(id)")) }
            }
            if v.count >= cap { break }
        }
        return Array(v.prefix(cap))
    }

    /// Each end reads a private line as it was typed (the seal opens at
    /// both ends), its conversation windows show in-order lines in the
    /// agreed order, and once converged each end's conversation windows
    /// hold exactly its private lines of the agreed order: a recipient
    /// that was down when a line was sent reads it after it came back and
    /// caught up.
    static func privateDelivery(_ h: History) -> [Violation] {
        let facts = LineFacts(h)
        var v: [Violation] = []
        var last: [Int: [String: Slot]] = [:]
        for r in h.records {
            switch r {
            case .shown(let n, let line, let backfill, let at):
                guard facts.isPrivate.contains(line.id), facts.ends(line.id).contains(n) else { continue }
                if let s = facts.said[line.id], s.plaintext != line.text {
                    v.append(Violation(.privateDelivery, "node \(n) reads private \(line.id) as \"\(line.text)\", typed as \"\(s.plaintext)\"", at: at))
                }
                guard !backfill else { continue }
                if let l = last[n]?[line.window], !(line.slot > l) {
                    v.append(Violation(.privateDelivery, "node \(n) shows \(line.slot) after \(l) in \(line.window) without marking it late", at: at))
                }
                last[n, default: [:]][line.window] = line.slot
            case .crashed(let n, _):
                last[n] = nil
            default: break
            }
            if v.count >= cap { return v }
        }
        v += finalWindows(h, facts, .privateDelivery, conversations: true)
        return Array(v.prefix(cap))
    }

    /// The final screens against the agreed order (the first live node's
    /// replica; `order` checks that the others hold the same): each window
    /// a subsequence of it, each line once; once converged, each window
    /// exactly the lines of the agreed order it shows at that node, with
    /// their texts (a private line's plaintext). Room windows or
    /// conversation windows.
    static func finalWindows(_ h: History, _ facts: LineFacts, _ inv: Invariant, conversations: Bool) -> [Violation] {
        guard h.recordsViews, h.convergedAt != nil,
              let agreed = h.finals.first(where: \.alive)?.log else { return [] }
        var v: [Violation] = []
        var position: [MessageID: Int] = [:]
        for (k, m) in agreed.enumerated() where position[m.id] == nil { position[m.id] = k }
        for (n, f) in h.finals.enumerated() where f.alive {
            var expected: [String: [(id: MessageID, text: String)]] = [:]
            for m in agreed where facts.isPrivate.contains(m.id) == conversations {
                if conversations, !facts.ends(m.id).contains(n) { continue }
                guard let w = facts.window(m.id, at: n) else { continue }
                expected[w, default: []].append((m.id, conversations ? facts.said[m.id]?.plaintext ?? m.text : m.text))
            }
            // Lines are taken by what they are, not by the window they sit
            // in: a room's line in a conversation window is out of place.
            var shown: [String: [ShownLine]] = [:]
            for (w, lines) in f.views {
                for line in lines where facts.isPrivate.contains(line.id) == conversations {
                    // A private line at a third node is `privacy`'s.
                    if conversations, !facts.ends(line.id).contains(n) { continue }
                    shown[w, default: []].append(line)
                }
            }
            for w in Set(expected.keys).union(shown.keys).sorted() {
                let want = expected[w] ?? [], got = shown[w] ?? []
                var prev = -1
                for line in got {
                    guard let p = position[line.id], p > prev else {
                        v.append(Violation(inv, "node \(n)'s window \(RoomName.display(w)) shows \(line.id) out of the agreed order"))
                        break
                    }
                    prev = p
                }
                if got.map(\.id) != want.map(\.id) {
                    let missing = want.first { e in !got.contains { $0.id == e.id } }
                    let why = missing.map { e in
                        let away = facts.said[e.id].map { $0.away && $0.to == n } ?? false
                        return ", lacks \(e.id)" + (away ? " (sent to it while it was down)" : "")
                    } ?? ""
                    v.append(Violation(inv, "node \(n)'s window \(RoomName.display(w)) shows \(got.count) lines, the agreed order has \(want.count) for it\(why)"))
                } else if let k = got.indices.first(where: { got[$0].text != want[$0].text }) {
                    v.append(Violation(inv, "node \(n)'s window \(RoomName.display(w)) reads \(got[k].id) as \"\(got[k].text)\", not \"\(want[k].text)\""))
                }
                if v.count >= cap { return v }
            }
        }
        return v
    }

    /// Every `<...>` in a text: the simulator's private plaintexts are
    /// bracketed so, and a sealed box (hex) has no bracket, so a plaintext
    /// anywhere in a text is one of these.
    static func brackets(_ text: String) -> [String] {
        guard text.utf8.contains(UInt8(ascii: "<")) else { return [] }
        let u = Array(text.utf8)
        var out: [String] = []
        var open: Int?
        for (k, b) in u.enumerated() {
            if b == UInt8(ascii: "<") {
                open = k
            } else if b == UInt8(ascii: ">"), let o = open {
                out.append(String(decoding: u[o...k], as: UTF8.self))
                open = nil
            }
        }
        return out
    }
}
