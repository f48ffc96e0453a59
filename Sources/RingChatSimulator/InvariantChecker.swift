import RingChatCore

/// Checks a `History` against every invariant. Pure: the simulator and the
/// checker's own tests feed it histories; it returns what is broken.
public enum InvariantChecker {
    /// At most this many violations are reported per invariant.
    static let cap = 5

    public static func check(_ h: History) -> [Violation] {
        var out: [Violation] = []
        out += agreement(h)
        out += order(h)
        out += mutualExclusion(h)
        out += noLoss(h)
        out += liveness(h)
        out += durability(h)
        out += noLateDelivery(h)
        out += roomOrder(h)
        out += privacy(h)
        out += privateDelivery(h)
        return out
    }

    static func agreement(_ h: History) -> [Violation] {
        var v: [Violation] = []
        var content: [MessageID: ChatMessage] = [:]
        var slots: [Slot: MessageID] = [:]
        func see(_ m: ChatMessage, _ at: Instant) {
            if let c = content[m.id] {
                if c.text != m.text || c.nick != m.nick || c.kind != m.kind {
                    v.append(Violation(.agreement, "id \(m.id) is \"\(c.text)\" and \"\(m.text)\"", at: at))
                }
            } else {
                content[m.id] = m
            }
            if let other = slots[m.slot], other != m.id {
                v.append(Violation(.agreement, "slot \(m.slot) holds \(other) and \(m.id)", at: at))
            } else {
                slots[m.slot] = m.id
            }
        }
        for r in h.records {
            switch r {
            case .persisted(_, let m, let at), .delivered(_, _, let m, _, let at): see(m, at)
            default: break
            }
            if v.count >= cap { break }
        }
        return v
    }

    static func order(_ h: History) -> [Violation] {
        var v: [Violation] = []
        var last: [Int: Slot] = [:]
        for r in h.records {
            switch r {
            case .delivered(let n, _, let m, let backfill, let at):
                if backfill { continue }
                if let l = last[n], !(m.slot > l) {
                    v.append(Violation(.order, "node \(n) delivered \(m.slot) after \(l) without marking it late", at: at))
                }
                last[n] = m.slot
            case .crashed(let n, _):
                last[n] = nil // a restarted node shows its history anew
            default: break
            }
            if v.count >= cap { return v }
        }
        // Gapless rings: every seq a holder assigned is on its sender's disk
        // and spreads from there, so the converged replicas have no holes.
        for (n, f) in h.finals.enumerated() where f.alive {
            var seqs: [RingID: [UInt64]] = [:]
            for slot in f.log.map(\.slot) + f.extraSlots { seqs[slot.ring, default: []].append(slot.seq) }
            for (ring, s) in seqs {
                let sorted = Set(s).sorted()
                if sorted.first != 1 || sorted.last != UInt64(sorted.count) {
                    v.append(Violation(.order, "node \(n): ring \(ring) has gaps: \(sorted.count) seqs up to \(sorted.last ?? 0)"))
                    break
                }
            }
            if v.count >= cap { break }
        }
        // Identical replicas render identically: the agreed order.
        let live = h.finals.enumerated().filter { $0.element.alive }
        if let first = live.first {
            for (n, f) in live.dropFirst() where f.log.map(\.id) != first.element.log.map(\.id) {
                if f.log.count == first.element.log.count {
                    v.append(Violation(.order, "nodes \(first.offset) and \(n) hold the same messages in different orders"))
                }
            }
        }
        return v
    }

    static func mutualExclusion(_ h: History) -> [Violation] {
        var v: [Violation] = []
        var holds: [Int: RingID] = [:]
        for r in h.records {
            switch r {
            case .tokenHeld(let n, let ring, let at):
                if let other = holds.first(where: { $0.key != n && $0.value == ring }) {
                    v.append(Violation(.mutualExclusion, "nodes \(other.key) and \(n) both hold ring \(ring)", at: at))
                }
                holds[n] = ring
            case .tokenReleased(let n, let ring, _):
                if holds[n] == ring { holds[n] = nil }
            case .crashed(let n, _):
                holds[n] = nil
            case .sentFresh(let n, let ring, let at):
                if holds[n] != ring {
                    v.append(Violation(.mutualExclusion, "node \(n) sent chat in ring \(ring) without its token", at: at))
                }
            default: break
            }
            if v.count >= cap { break }
        }
        return v
    }

    static func noLoss(_ h: History) -> [Violation] {
        var required: [MessageID: String] = [:]
        var typed: [MessageID: (node: Int, at: Instant)] = [:]
        var lastCrash: [Int: Instant] = [:]
        var newestCheckpoint: [Int: [MessageID]] = [:]
        for r in h.records {
            switch r {
            case .persisted(let n, let m, _): required[m.id] = "held by node \(n)"
            case .typed(let n, let id, let at): typed[id] = (n, at)
            case .checkpointed(let n, let outbox, _): newestCheckpoint[n] = outbox
            case .crashed(let n, let at):
                lastCrash[n] = at
                // What the newest checkpoint carried survives this crash.
                for id in newestCheckpoint[n] ?? [] { required[id] = "in node \(n)'s checkpoint outbox at a crash" }
            default: break
            }
        }
        for (id, t) in typed where required[id] == nil {
            if lastCrash[t.node].map({ $0 < t.at }) ?? true {
                required[id] = "typed at node \(t.node), which did not crash afterwards"
            }
        }
        var v: [Violation] = []
        for (n, f) in h.finals.enumerated() where f.alive {
            let held = Set(f.log.map(\.id))
            for (id, why) in required.sorted(by: { $0.key < $1.key }) where !held.contains(id) {
                v.append(Violation(.noLoss, "node \(n) lacks \(id) (\(why))"))
                if v.count >= cap { return v }
            }
            let undelivered = held.subtracting(f.delivered)
            if let id = undelivered.sorted().first {
                v.append(Violation(.noLoss, "node \(n) holds \(undelivered.count) messages it never showed, e.g. \(id)"))
            }
        }
        return v
    }

    static func liveness(_ h: History) -> [Violation] {
        guard h.convergedAt == nil else { return [] }
        return [Violation(.liveness, "no convergence after the faults stopped: \(h.notConverged ?? "unknown")")]
    }

    static func durability(_ h: History) -> [Violation] {
        var v: [Violation] = []
        var incarnation: [Int: UInt32] = [:]
        var ids: Set<MessageID> = []
        for r in h.records {
            switch r {
            case .restarted(let n, let inc, let durable, let restored, let at):
                if let old = incarnation[n], inc <= old {
                    v.append(Violation(.durability, "node \(n) restarted with incarnation \(inc) after \(old)", at: at))
                }
                incarnation[n] = inc
                let lost = durable.subtracting(restored)
                if !lost.isEmpty {
                    v.append(Violation(.durability, "node \(n) lost \(lost.count) replica messages on restore", at: at))
                }
            case .typed(let n, let id, let at):
                if !ids.insert(id).inserted {
                    v.append(Violation(.durability, "node \(n) reused message id \(id)", at: at))
                }
                if let inc = incarnation[n], id.incarnation < inc {
                    v.append(Violation(.durability, "node \(n) typed \(id) under an old incarnation", at: at))
                }
            default: break
            }
            if v.count >= cap { break }
        }
        return v
    }

    /// Without partitions every screen shows the agreed order as it grows:
    /// nothing is delivered late (a backfill, placed before lines already
    /// shown), except what could not have been shown in order:
    /// - a line that existed before this incarnation of the node started
    ///   (history a restarted node missed while down, fetched afterwards);
    /// - a line that was, at some moment, on no live node's disk (its only
    ///   holders had crashed: the survivors settled its seq as missing and
    ///   moved on; it comes back when a holder restarts).
    /// Everything else late is two screens disagreeing on the order while
    /// it happened: two survivors forming rings at once, a paused node
    /// forming a ring of its own, an old ring's end not agreed before the
    /// new ring delivered.
    static func noLateDelivery(_ h: History) -> [Violation] {
        guard h.expectsNoLateDeliveries else { return [] }
        var v: [Violation] = []
        var holders: [MessageID: Set<Int>] = [:]
        var firstStored: [MessageID: Instant] = [:]
        var down: Set<Int> = []
        var orphaned: Set<MessageID> = []
        var started: [Int: Instant] = [:]
        for r in h.records {
            switch r {
            case .persisted(let n, let m, let at):
                holders[m.id, default: []].insert(n)
                if firstStored[m.id] == nil { firstStored[m.id] = at }
            case .crashed(let n, _):
                down.insert(n)
                for (id, hs) in holders where hs.isSubset(of: down) { orphaned.insert(id) }
            case .restarted(let n, _, _, _, let at):
                down.remove(n)
                started[n] = at
            case .delivered(let n, _, let m, let backfill, let at):
                guard backfill, !orphaned.contains(m.id) else { continue }
                if let s = started[n], let f = firstStored[m.id], f < s { continue }
                v.append(Violation(.noLateDelivery, "node \(n) showed \(m.slot) \(m.id) late", at: at))
            default: break
            }
            if v.count >= cap { break }
        }
        return v
    }
}
