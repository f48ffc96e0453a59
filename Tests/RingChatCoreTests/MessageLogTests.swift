import Testing
@testable import RingChatCore

@Suite("MessageLog: inserts, canonical slots, digest")
struct MessageLogTests {
    let r1 = ringID(1)
    let r2 = ringID(2)

    @Test("insert: new, then duplicate at the same slot")
    func newThenDuplicate() {
        var log = MessageLog()
        let m = chat(msgID(nodeB, 1, 1), ring: r1, seq: 1)
        #expect(log.insert(m) == .new)
        #expect(log.insert(m) == .duplicate)
        #expect(log.count == 1)
        #expect(log.contains(m.id))
        #expect(log.message(at: m.slot) == m)
    }

    @Test("insert: the same id at another slot is an extra slot, not a second message")
    func extraSlot() {
        var log = MessageLog()
        let m = chat(msgID(nodeB, 1, 1), ring: r1, seq: 1)
        #expect(log.insert(m) == .new)
        let summary = log.summary
        var again = m
        again.slot = Slot(ring: r2, seq: 4)
        #expect(log.insert(again) == .extraSlot)
        #expect(log.count == 1)
        #expect(log.occupiedSlots.count == 2)
        #expect(log.summary == summary)
        #expect(log.insert(again) == .duplicate)
    }

    @Test("insert: an id with other content, or a slot with another id, is a conflict and changes nothing",
          arguments: ["text", "nick", "kind", "slot"])
    func conflict(field: String) {
        var log = MessageLog()
        let m = chat(msgID(nodeB, 1, 1), ring: r1, seq: 1, text: "hi", nick: "bob", kind: .text)
        #expect(log.insert(m) == .new)
        var other = m
        switch field {
        case "text": other.text = "bye"
        case "nick": other.nick = "eve"
        case "kind": other.kind = .action
        default: other.id = msgID(nodeC, 1, 1) // same slot, another id
        }
        let summary = log.summary
        #expect(log.insert(other) == .conflict)
        // A conflicting copy at a fresh slot is rejected as well.
        other.slot.seq = 2
        if field != "slot" { #expect(log.insert(other) == .conflict) }
        #expect(log.cached[m.id] == m)
        #expect(log.message(at: m.slot) == m)
        if field != "slot" {
            #expect(log.count == 1)
            #expect(log.summary == summary)
            #expect(log.occupiedSlots.count == 1)
        }
    }

    @Test("the canonical slot is the lowest slot the id was ever seen at, whatever the arrival order")
    func canonicalMinSlot() {
        let id = msgID(nodeB, 1, 1)
        let slots = [Slot(ring: r2, seq: 5), Slot(ring: r1, seq: 9), Slot(ring: r2, seq: 1), Slot(ring: r1, seq: 12)]
        var permutations: [[Slot]] = [slots, slots.reversed(), [slots[1], slots[0], slots[3], slots[2]]]
        permutations.append([slots[3], slots[1], slots[2], slots[0]])
        for order in permutations {
            var log = MessageLog()
            for (i, s) in order.enumerated() {
                var m = chat(id, ring: s.ring, seq: s.seq)
                m.slot = s
                #expect(log.insert(m) == (i == 0 ? .new : .extraSlot))
            }
            #expect(log.cached[id]?.slot == Slot(ring: r1, seq: 9), "order \(order)")
            #expect(log.sorted().map(\.slot) == [Slot(ring: r1, seq: 9)])
            // Every occupied slot resolves to the message at its canonical slot.
            for s in slots { #expect(log.message(at: s)?.slot == Slot(ring: r1, seq: 9)) }
        }
    }

    @Test("sorted(): by canonical slot, rings in id order; equal sets sort equally whatever the insert order")
    func agreedOrder() {
        let ms = [
            chat(msgID(nodeC, 1, 1), ring: r2, seq: 1),
            chat(msgID(nodeB, 1, 2), ring: r1, seq: 2),
            chat(msgID(nodeB, 1, 1), ring: r1, seq: 1),
            chat(msgID(nodeA, 2, 1), ring: ringID(1, creator: nodeC), seq: 1),
        ]
        var a = MessageLog(), b = MessageLog()
        for m in ms { _ = a.insert(m) }
        for m in ms.reversed() { _ = b.insert(m) }
        let expected = [ms[2].id, ms[1].id, ms[3].id, ms[0].id] // 1@b0 #1, #2; 1@c0 #1; 2@b0 #1
        #expect(a.sorted().map(\.id) == expected)
        #expect(b.sorted().map(\.id) == expected)
        #expect(a.summary == b.summary)
    }

    @Test("digest entry: contiguous, max and count per stream", arguments: [
        ([UInt32](), UInt32(0), UInt32(0)),
        ([1], 1, 1),
        ([2], 0, 2),
        ([1, 2, 3], 3, 3),
        ([1, 2, 3, 5, 7], 3, 7),
        ([7, 5, 3, 2, 1], 3, 7),
        ([2, 3, 4], 0, 4),
        ([4, 1, 3, 2], 4, 4),
    ])
    func digestEntry(counters: [UInt32], contiguous: UInt32, max: UInt32) {
        let s = StreamID(origin: nodeB, incarnation: 2)
        var log = MessageLog()
        for c in counters { _ = log.insert(chat(MessageID(origin: nodeB, incarnation: 2, counter: c), ring: r1, seq: UInt64(c))) }
        // Another stream of the same origin must not leak into this one.
        _ = log.insert(chat(MessageID(origin: nodeB, incarnation: 3, counter: 1), ring: r2, seq: 1))
        let e = log.entry(for: s)
        #expect(e.stream == s)
        #expect(e.contiguous == contiguous)
        #expect(e.max == max)
        #expect(e.count == UInt32(counters.count))
        for c in 1...8 as ClosedRange<UInt32> { #expect(log.holds(s, c) == counters.contains(c)) }
    }

    @Test("digest: hashes are order-independent and differ for different sets")
    func digestHashes() {
        let s = StreamID(origin: nodeB, incarnation: 1)
        func log(_ counters: [UInt32], extraSlot: Bool = false) -> MessageLog {
            var l = MessageLog()
            for c in counters { _ = l.insert(chat(msgID(nodeB, 1, c), ring: r1, seq: UInt64(c))) }
            if extraSlot, let c = counters.first { _ = l.insert(chat(msgID(nodeB, 1, c), ring: r2, seq: 1)) }
            return l
        }
        let a = log([1, 2, 3, 9]), b = log([9, 3, 1, 2], extraSlot: true), c = log([1, 2, 3, 8])
        #expect(a.entry(for: s) == b.entry(for: s))
        #expect(a.summary == b.summary)
        #expect(a.summary.streams == 1 && a.summary.messages == 4)
        #expect(a.entry(for: s).setHash != c.entry(for: s).setHash)
        #expect(a.summary.hash != c.summary.hash)
        #expect(MessageLog().entry(for: s) == DigestEntry(stream: s, contiguous: 0, max: 0, count: 0, setHash: 0))
        #expect(a.streamIDs == [s])
    }

    @Test("messages(in:_:limit:): held messages in counter order, up to the limit")
    func messagesInRange() {
        let s = StreamID(origin: nodeB, incarnation: 1)
        var log = MessageLog()
        for c: UInt32 in [5, 1, 3, 4, 9] { _ = log.insert(chat(msgID(nodeB, 1, c), ring: r1, seq: UInt64(c))) }
        #expect(log.messages(in: s, 1...10, limit: 100).messages.map(\.id.counter) == [1, 3, 4, 5, 9])
        #expect(log.messages(in: s, 2...4, limit: 100).messages.map(\.id.counter) == [3, 4])
        #expect(log.messages(in: s, 1...10, limit: 2).messages.map(\.id.counter) == [1, 3])
        #expect(log.messages(in: s, 10...UInt32.max, limit: 100).messages.isEmpty)
        #expect(log.messages(in: StreamID(origin: nodeC, incarnation: 1), 1...10, limit: 100).messages.isEmpty)
    }
}
