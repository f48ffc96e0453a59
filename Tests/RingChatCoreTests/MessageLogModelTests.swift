import Testing
@testable import RingChatCore

/// The message log's cache (slab, slot index, eviction queue) answers every
/// query exactly as the same rules written with plain dictionaries and sets
/// would, under random inserts (new, duplicate, extra slot below or above,
/// conflict), deliveries and evictions with a small capacity, across rings.
@Suite("MessageLog against a dictionary model")
struct MessageLogModelTests {
    /// The log's rules, stated plainly: nothing is indexed, nothing hot.
    struct Model {
        let capacity: Int
        var held: Set<MessageID> = []
        var occupied: Set<Slot> = []
        var entries: [MessageID: (message: ChatMessage, delivered: Bool)] = [:]
        /// Cached slots and the id each holds.
        var slots: [Slot: MessageID] = [:]
        /// Cached slots in insertion order; undelivered ones go back in.
        var queue: [(slot: Slot, id: MessageID)] = []

        mutating func insert(_ m: ChatMessage, delivered: Bool) -> MessageLog.InsertResult {
            let slotTaken = occupied.contains(m.slot)
            let idHeld = held.contains(m.id)
            if slotTaken {
                if let holder = slots[m.slot] {
                    if holder != m.id { return .conflict }
                } else if !idHeld {
                    return .conflict
                }
            }
            if idHeld {
                guard let old = entries[m.id]?.message else {
                    if slotTaken { return .duplicate }
                    occupied.insert(m.slot)
                    return .extraSlot
                }
                guard old.text == m.text, old.nick == m.nick, old.kind == m.kind else { return .conflict }
                if slotTaken { return .duplicate }
                cache(m.slot, m.id)
                if m.slot < old.slot { entries[m.id]!.message.slot = m.slot }
                return .extraSlot
            }
            held.insert(m.id)
            entries[m.id] = (m, delivered)
            cache(m.slot, m.id)
            if entries.count > capacity { evict() }
            return .new
        }

        mutating func cache(_ s: Slot, _ id: MessageID) {
            occupied.insert(s)
            slots[s] = id
            queue.append((s, id))
        }

        /// Down to seven eighths of the capacity, once it is passed.
        mutating func evict() {
            var budget = queue.count
            while entries.count > capacity - capacity / 8, !queue.isEmpty, budget > 0 {
                budget -= 1
                let e = queue.removeFirst()
                if let entry = entries[e.id] {
                    if !entry.delivered {
                        queue.append(e)
                        continue
                    }
                    if entry.message.slot == e.slot { entries[e.id] = nil }
                }
                slots[e.slot] = nil
            }
        }

        mutating func markDelivered(_ id: MessageID) { entries[id]?.delivered = true }

        func message(_ id: MessageID) -> ChatMessage? { entries[id]?.message }
        func message(at s: Slot) -> ChatMessage? { slots[s].flatMap { entries[$0]?.message } }
        func undeliveredMessage(at s: Slot) -> ChatMessage? {
            guard let id = slots[s], let e = entries[id], !e.delivered else { return nil }
            return e.message
        }
        func isDelivered(_ id: MessageID) -> Bool { entries[id]?.delivered ?? held.contains(id) }
        func held(in r: RingID, _ range: ClosedRange<UInt64>) -> [ChatMessage] {
            slots.filter { $0.key.ring == r && range.contains($0.key.seq) }
                .sorted { $0.key.seq < $1.key.seq }
                .compactMap { entries[$0.value]?.message }
        }
        func sorted() -> [ChatMessage] {
            entries.values.map(\.message).sorted { ($0.slot, $0.id) < ($1.slot, $1.id) }
        }
    }

    @Test("random inserts, deliveries and evictions: every query as the model", arguments: 1...12 as ClosedRange<UInt64>)
    func matchesModel(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let capacity = 1 + Int(rng.next() % 20)
        var log = MessageLog(capacity: capacity)
        var model = Model(capacity: capacity)
        let origins = [nodeA, nodeB, nodeC]
        var counters: [NodeID: UInt32] = [:]
        var epoch: UInt64 = 1
        var next: UInt64 = 1
        // Everything ever tried, for picking and for the full checks.
        var sent: [ChatMessage] = []
        var slotsSeen: [Slot] = []
        var results: [MessageLog.InsertResult: Int] = [:]

        func ring(_ e: UInt64) -> RingID { ringID(e) }
        func pick<T>(_ a: [T]) -> T? { a.isEmpty ? nil : a[Int(rng.next() % UInt64(a.count))] }
        func randomSlot() -> Slot {
            switch rng.next() % 12 {
            case 0: return Slot(ring: ring(max(1, epoch - rng.next() % 2)), seq: 1 + rng.next() % (next + 4))
            case 1: return Slot(ring: ring(epoch), seq: next + 1 + rng.next() % 6) // ahead: a hole
            case 2: return Slot(ring: ring(epoch), seq: next + SlotIndex<MessageLog.Ref>.maxAhead + rng.next() % 4)
            case 3: return pick(slotsSeen) ?? Slot(ring: ring(epoch), seq: next)
            default:
                defer { next += 1 }
                return Slot(ring: ring(epoch), seq: next)
            }
        }
        func freshMessage(at s: Slot) -> ChatMessage {
            let o = pick(origins)!
            counters[o, default: 0] += 1
            return chat(msgID(o, 1, counters[o]!), ring: s.ring, seq: s.seq)
        }
        func insert(_ m: ChatMessage, delivered: Bool = false) {
            let got = log.insert(m, delivered: delivered)
            #expect(got == model.insert(m, delivered: delivered), "seed \(seed): insert \(m.id) at \(m.slot)")
            results[got, default: 0] += 1
            sent.append(m)
            slotsSeen.append(m.slot)
        }
        func check(_ s: Slot, _ step: Int) {
            #expect(log.message(at: s) == model.message(at: s), "seed \(seed) step \(step): message(at: \(s))")
            #expect(log.id(at: s) == model.slots[s], "seed \(seed) step \(step): id(at: \(s))")
            #expect(log.undeliveredMessage(at: s) == model.undeliveredMessage(at: s),
                    "seed \(seed) step \(step): undeliveredMessage(at: \(s))")
            #expect(log.isOccupied(s) == model.occupied.contains(s), "seed \(seed) step \(step): isOccupied(\(s))")
        }
        func check(_ id: MessageID, _ step: Int) {
            #expect(log.message(id) == model.message(id), "seed \(seed) step \(step): message(\(id))")
            #expect(log.isDelivered(id) == model.isDelivered(id), "seed \(seed) step \(step): isDelivered(\(id))")
            #expect(log.contains(id) == model.held.contains(id), "seed \(seed) step \(step): contains(\(id))")
        }

        for step in 0..<3_000 {
            let op = rng.next() % 100
            switch op {
            case 0..<35:
                insert(freshMessage(at: randomSlot()), delivered: rng.next() % 10 == 0)
            case 35..<45: // a copy at one of its slots
                if let m = pick(sent) { insert(m) }
            case 45..<55: // an extra slot, below or above, free or taken
                if var m = pick(sent) {
                    m.slot = rng.next() % 2 == 0 ? randomSlot()
                        : Slot(ring: m.slot.ring, seq: m.slot.seq > 4 ? m.slot.seq - 1 - rng.next() % 3 : 1)
                    insert(m)
                }
            case 55..<60: // other content for a held id
                if var m = pick(sent) {
                    m.text += "!"
                    if rng.next() % 2 == 0 { m.slot = randomSlot() }
                    insert(m)
                }
            case 60..<75: // the drain: take through the slot, as Node does
                let s = pick(slotsSeen) ?? Slot(ring: ring(epoch), seq: next)
                let expected = model.undeliveredMessage(at: s)
                #expect(log.takeUndelivered(at: s) == expected, "seed \(seed) step \(step)")
                if let m = expected { model.markDelivered(m.id) }
            case 75..<85: // delivery by id, through any slot (or none)
                if let m = pick(sent) {
                    switch rng.next() % 3 {
                    case 0: log.markDelivered(m.id)
                    case 1: log.markDelivered(m.id, at: m.slot)
                    default: log.markDelivered(m.id, at: pick(slotsSeen)!)
                    }
                    model.markDelivered(m.id)
                }
            case 85..<87: // a new ring
                epoch += 1
                next = 1 + rng.next() % 3
            default:
                if let s = pick(slotsSeen) { check(s, step) }
                if let m = pick(sent) { check(m.id, step) }
            }
            #expect(log.cachedCount == model.entries.count, "seed \(seed) step \(step)")
            if step % 100 == 99 {
                for s in Set(slotsSeen) { check(s, step) }
                for id in Set(sent.map(\.id)) { check(id, step) }
                #expect(log.sorted() == model.sorted(), "seed \(seed) step \(step)")
                #expect(log.cached == model.entries.mapValues(\.message), "seed \(seed) step \(step)")
                for e in 1...epoch {
                    // Narrow ranges read slot by slot, wide ones the index.
                    let lo = rng.next() % (next + 2), hi = lo + rng.next() % 8
                    for range in [lo...hi, 0...UInt64.max, 1...(next + 2 * SlotIndex<MessageLog.Ref>.maxAhead)] {
                        #expect(log.held(in: ring(e), range) == model.held(in: ring(e), range),
                                "seed \(seed) step \(step) ring \(e) \(range)")
                    }
                }
            }
        }
        // The run went through every kind of insert.
        for r in [MessageLog.InsertResult.new, .duplicate, .extraSlot, .conflict] {
            #expect(results[r, default: 0] > 0, "seed \(seed): no \(r)")
        }
        #expect(model.entries.count < model.held.count, "seed \(seed): nothing was evicted")
    }
}
