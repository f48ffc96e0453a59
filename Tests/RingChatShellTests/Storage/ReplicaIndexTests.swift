import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// The index's answers against a brute-force scan of the replica's lines,
/// on random replicas: senders' batches, interleaved senders, backfills
/// appended late, holes, partitions' rings written side by side, re-sent
/// lines at a second slot and two lines at one slot.
@Suite struct ReplicaIndexTests {
    /// One line of the replica as the brute force sees it.
    struct Line {
        let offset: Int
        let message: ChatMessage
    }

    static let streams = [StreamID(origin: NodeID(11), incarnation: 1), StreamID(origin: NodeID(11), incarnation: 2),
                          StreamID(origin: NodeID(12), incarnation: 1), StreamID(origin: NodeID(13), incarnation: 7)]
    static let rings = [RingID(epoch: 1, creator: NodeID(11), incarnation: 1), RingID(epoch: 2, creator: NodeID(12), incarnation: 1),
                        RingID(epoch: 2, creator: NodeID(13), incarnation: 1), RingID(epoch: 9, creator: NodeID(11), incarnation: 3)]

    /// A random replica, in file order.
    static func replica(seed: UInt64) -> [ChatMessage] {
        var rng = SplitMix64(seed: seed)
        func r(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        // The last stream's counters and the last ring's seqs start near
        // the ends of their ranges (and the key's sign flip at 2^63).
        var counters: [UInt32] = [1, 1, UInt32(1 + r(500)), UInt32.max - 700]
        var agreed: [[ChatMessage]] = []   // batches, in the agreed order
        for (k, ring) in rings.enumerated() {
            var seq: UInt64 = k == 3 ? (1 << 63) - 300 : UInt64(1 + r(3) * r(400))
            for _ in 0..<(5 + r(30)) {
                let s = r(streams.count)
                let n = r(8) == 0 ? 200 + r(400) : 1 + r(20)
                let pad = r(4) == 0 ? 300 : r(30)
                var batch: [ChatMessage] = []
                for _ in 0..<n where counters[s] < UInt32.max {
                    batch.append(ChatMessage(id: MessageID(origin: streams[s].origin, incarnation: streams[s].incarnation, counter: counters[s]),
                                             nick: "n\(s)", text: "m \(seq) " + String(repeating: "x", count: pad),
                                             slot: Slot(ring: ring, seq: seq), timestamp: Int64(seq % 1_000)))
                    counters[s] += 1
                    seq += 1
                }
                agreed.append(batch)
                if r(5) == 0 { seq += UInt64(1 + r(3)) }   // a hole
            }
        }
        // File order: mostly the agreed order; some batches arrive late
        // (backfills), some are interleaved line by line with the next one
        // (two senders, or two partitions' rings, side by side).
        var file: [ChatMessage] = []
        var late: [[ChatMessage]] = []
        var i = 0
        while i < agreed.count {
            switch r(8) {
            case 0: late.append(agreed[i])
            case 1 where i + 1 < agreed.count:
                let (a, b) = (agreed[i], agreed[i + 1])
                for j in 0..<max(a.count, b.count) {
                    if j < a.count { file.append(a[j]) }
                    if j < b.count { file.append(b[j]) }
                }
                i += 1
            default: file += agreed[i]
            }
            if r(3) == 0, !late.isEmpty { file += late.removeFirst() }
            i += 1
        }
        for b in late { file += b }
        // Lines a node does not write but a replica may hold (an older
        // version, a hand edit): an id at a second slot, a second id at a
        // slot, the same line twice.
        for _ in 0..<r(6) {
            let m = file[r(file.count)], o = file[r(file.count)]
            var x = m
            switch r(3) {
            case 0: x.slot = Slot(ring: o.slot.ring, seq: o.slot.seq + 1)
            case 1: x.id.counter = UInt32.max - 1 - UInt32(r(5)); x.text = "other"
            default: break
            }
            file.insert(x, at: r(file.count + 1))
        }
        return file
    }

    /// Writes the replica and indexes it in random batches (as the disk
    /// thread commits them).
    static func build(_ ms: [ChatMessage], in tmp: TempDir, seed: UInt64) throws -> (ReplicaStore, [Line]) {
        var rng = SplitMix64(seed: seed ^ 0x5eed)
        let path = tmp.file("replica.jsonl")
        var bytes: [UInt8] = []
        var lines: [Line] = []
        var rows: [(location: ReplicaIndex.Location, message: ChatMessage)] = []
        for m in ms {
            let l = ReplicaFile.line(for: m)
            lines.append(Line(offset: bytes.count, message: m))
            rows.append((.init(offset: bytes.count, length: l.count), m))
            bytes += l
        }
        writeFile(path, bytes)
        let idx = try ReplicaIndex(path: tmp.file("index.sqlite"), writable: true)
        var pos = ReplicaIndex.Position.empty
        var i = 0
        while i < rows.count {
            let n = min(rows.count - i, 1 + Int(rng.next() % 300))
            pos.lines += n
            pos.bytes = rows[i + n - 1].location.offset + rows[i + n - 1].location.length
            try idx.append(Array(rows[i..<(i + n)]), position: pos)
            i += n
        }
        idx.close()
        return (try ReplicaStore(replicaPath: path, indexPath: tmp.file("index.sqlite")), lines)
    }

    // MARK: the index's answers, as messages (adapters over its API)

    static func line(of id: MessageID, in store: ReplicaStore) -> (ChatMessage, Slot)? {
        guard let l = store.index.line(of: id), let m = store.read([l]).first else { return nil }
        return (m, l.slot)
    }

    static func all(bySlot: Bool, in store: ReplicaStore) throws -> [ChatMessage] {
        let c = try store.index.cursor(bySlot: bySlot)
        var out: [ChatMessage] = []
        while let l = try c.next() {
            guard let raw = store.bytes(l), let m = ReplicaStore.decode(raw) else { continue }
            #expect(m.slot == l.slot && m.id == l.id)
            out.append(m)
        }
        return out
    }

    // MARK: brute force

    static func bySlot(_ a: Line, _ b: Line) -> Bool {
        a.message.slot != b.message.slot ? a.message.slot < b.message.slot : a.offset < b.offset
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func answersAsABruteForceScan(seed: UInt64) throws {
        let tmp = TempDir("index"); defer { tmp.cleanup() }
        let (store, lines) = try Self.build(Self.replica(seed: seed), in: tmp, seed: seed)
        // Mostly runs of many lines, some overlapping (a line at two slots,
        // two at one), so that the expansion is what is tested.
        #expect(try Self.runs(store.index).count < lines.count / 4)
        var rng = SplitMix64(seed: seed &* 31)
        func r(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        let limits = [1, 2, 7, 50, 300, 100_000]

        // By id.
        for s in Self.streams + [StreamID(origin: NodeID(99), incarnation: 1)] {
            let held = lines.filter { $0.message.id.stream == s }.map(\.message.id.counter)
            let lo = held.min() ?? 1, hi = held.max() ?? 1
            var ranges: [ClosedRange<UInt32>] = [0...UInt32.max, lo...hi]
            for _ in 0..<20 {
                let a = lo &+ UInt32(r(Int(hi - lo) + 10)) &- 5
                let b = a &+ UInt32(r(600))
                ranges.append(b >= a ? a...b : a...UInt32.max)
            }
            for range in ranges {
                let limit = limits[r(limits.count)]
                let expected = lines.filter { $0.message.id.stream == s && range.contains($0.message.id.counter) }
                    .sorted { ($0.message.id.counter, $0.offset) < ($1.message.id.counter, $1.offset) }
                    .prefix(limit).map(\.message)
                #expect(store.messages(of: s, counters: range, limit: limit) == expected, "\(s) \(range) limit \(limit)")
            }
        }
        var ids = Set(lines.map(\.message.id))
        ids.insert(MessageID(origin: NodeID(12), incarnation: 1, counter: UInt32.max))
        for id in ids {
            let first = lines.first { $0.message.id == id }
            let got = Self.line(of: id, in: store)
            #expect(got?.0 == first?.message && got?.1 == first?.message.slot, "line(of: \(id))")
        }

        // By slot.
        var slots = Set(lines.map(\.message.slot))
        for m in lines.map(\.message) { slots.insert(Slot(ring: m.slot.ring, seq: m.slot.seq + 1)); slots.insert(Slot(ring: m.slot.ring, seq: m.slot.seq - 1)) }
        slots.insert(Slot(ring: RingID(epoch: 0, creator: NodeID(1), incarnation: 1), seq: 5))
        slots.insert(Slot(ring: RingID(epoch: 99, creator: NodeID(1), incarnation: 1), seq: 5))
        for slot in slots {
            #expect(store.message(at: slot) == lines.first { $0.message.slot == slot }?.message, "at \(slot)")
        }
        let sorted = lines.sorted(by: Self.bySlot)
        let probes = slots.shuffled(using: &rng).prefix(150)
        for slot in [nil] + probes.map(Optional.some) {
            let limit = limits[r(limits.count)]
            let before = sorted.filter { l in slot.map { l.message.slot < $0 } ?? true }.suffix(limit).map(\.message)
            #expect(store.page(before: slot, limit: limit) == Array(before), "before \(slot.map(String.init(describing:)) ?? "the end") limit \(limit)")
        }
        for slot in probes {
            let limit = limits[r(limits.count)]
            let after = sorted.filter { $0.message.slot > slot }.prefix(limit).map(\.message)
            #expect(store.page(after: slot, limit: limit) == Array(after), "after \(slot) limit \(limit)")
        }

        // Every line, for the reconciler: by (slot, id), and in file order.
        let bySlotID = lines.sorted { ($0.message.slot, $0.message.id, $0.offset) < ($1.message.slot, $1.message.id, $1.offset) }
        #expect(try Self.all(bySlot: true, in: store) == bySlotID.map(\.message))
        #expect(try Self.all(bySlot: false, in: store) == lines.map(\.message))
    }

    // MARK: runs

    static let a = StreamID(origin: NodeID(11), incarnation: 1)
    static let b = StreamID(origin: NodeID(12), incarnation: 1)

    static func m(_ s: StreamID, _ counter: UInt32, _ seq: UInt64, ring: RingID = rings[0], pad: Int = 0) -> ChatMessage {
        ChatMessage(id: MessageID(origin: s.origin, incarnation: s.incarnation, counter: counter), nick: "n",
                    text: "t" + String(repeating: "x", count: pad), slot: Slot(ring: ring, seq: seq), timestamp: 0)
    }

    /// Indexes `ms` (laid out one after the other, leaving a line's worth of
    /// bytes out before each index in `gaps`) in transactions of `batches`
    /// lines, the rest in one.
    static func index(_ ms: [ChatMessage], batches: [Int] = [], gaps: Set<Int> = [], into idx: ReplicaIndex,
                      from start: Int = 0) throws {
        var rows: [(location: ReplicaIndex.Location, message: ChatMessage)] = []
        var off = start
        for (i, m) in ms.enumerated() {
            let n = ReplicaFile.line(for: m).count
            if gaps.contains(i) { off += n }
            rows.append((.init(offset: off, length: n), m))
            off += n
        }
        var i = 0
        for n in batches + [rows.count] where i < rows.count {
            let chunk = rows[i..<min(rows.count, i + n)]
            try idx.append(Array(chunk), position: .init(lines: i + chunk.count, bytes: chunk.last!.location.offset + chunk.last!.location.length, tail: 0))
            i += chunk.count
        }
    }

    /// The index's runs, in file order.
    static func runs(_ idx: ReplicaIndex) throws -> [ReplicaRun] {
        let c = try idx.cursor(bySlot: false)
        var out: [ReplicaRun] = []
        while let l = try c.next() {
            if l.k == 0 { out.append(l.run) }
        }
        return out
    }

    @Test func aSendersBatchIsOneRunAcrossCommitsAndRestarts() throws {
        let tmp = TempDir("index"); defer { tmp.cleanup() }
        let ms = (1...15).map { Self.m(Self.a, UInt32($0), UInt64($0 + 100)) }
        var idx = try ReplicaIndex(path: tmp.file("i.sqlite"), writable: true)
        try Self.index(Array(ms[0..<10]), batches: [3, 4], into: idx)
        #expect(try Self.runs(idx).map(\.count) == [10])
        // Reopened (the next start): the stored last run still grows.
        let end = ms[0..<10].reduce(0) { $0 + ReplicaFile.line(for: $1).count }
        idx.close()
        idx = try ReplicaIndex(path: tmp.file("i.sqlite"), writable: true)
        defer { idx.close() }
        try Self.index(Array(ms[10...]), into: idx, from: end)
        let runs = try Self.runs(idx)
        #expect(runs.map(\.count) == [15])
        #expect(runs.first?.length == ms.reduce(0) { $0 + ReplicaFile.line(for: $1).count })
    }

    @Test func theDiskWriterGrowsARunAcrossItsBatches() throws {
        let tmp = TempDir("index"); defer { tmp.cleanup() }
        let idx = try ReplicaIndex(path: tmp.file("i.sqlite"), writable: true)
        let w = try DiskWriter(replicaPath: tmp.file("replica.jsonl"), checkpoints: CheckpointStore(directory: tmp.path),
                               syncInterval: .milliseconds(200), start: .empty, index: idx)
        for k in 0..<5 {
            w.appendReplica((1...8).map { Self.m(Self.a, UInt32(8 * k + $0), UInt64(8 * k + $0)) })
            w.flush()
        }
        w.appendReplica([Self.m(Self.b, 1, 41)])
        w.close()
        let check = try ReplicaIndex(path: tmp.file("i.sqlite"), writable: false)
        defer { check.close() }
        #expect(try Self.runs(check).map(\.count) == [40, 1])
        #expect(try check.position().lines == 41)
    }

    /// What starts a new run after three lines of stream a (counters 1...3,
    /// seqs 1...3 of ring 0).
    @Test(arguments: ["another stream", "a counter skipped", "a seq skipped", "an earlier seq", "another ring", "bytes between"])
    func whatBreaksARun(_ what: String) throws {
        let tmp = TempDir("index"); defer { tmp.cleanup() }
        let idx = try ReplicaIndex(path: tmp.file("i.sqlite"), writable: true)
        defer { idx.close() }
        let next: ChatMessage = switch what {
        case "another stream": Self.m(Self.b, 4, 4)
        case "a counter skipped": Self.m(Self.a, 5, 4)
        case "a seq skipped": Self.m(Self.a, 4, 5)
        case "an earlier seq": Self.m(Self.a, 4, 2)
        case "another ring": Self.m(Self.a, 4, 4, ring: Self.rings[1])
        default: Self.m(Self.a, 4, 4)
        }
        try Self.index((1...3).map { Self.m(Self.a, $0, UInt64($0)) } + [next, Self.m(next.id.stream, next.id.counter + 1, next.slot.seq + 1, ring: next.slot.ring)],
                       batches: [2], gaps: what == "bytes between" ? [3] : [], into: idx)
        #expect(try Self.runs(idx).map(\.count) == [3, 2])
    }

    @Test func runsAreCappedInLinesAndBytes() throws {
        let tmp = TempDir("index"); defer { tmp.cleanup() }
        let idx = try ReplicaIndex(path: tmp.file("i.sqlite"), writable: true)
        defer { idx.close() }
        try Self.index((1...600).map { Self.m(Self.a, UInt32($0), UInt64($0)) }, batches: [100, 300], into: idx)
        #expect(try Self.runs(idx).map(\.count) == [256, 256, 88])
        let long = (1...100).map { Self.m(Self.b, UInt32($0), UInt64($0 + 600), pad: 2_000) }
        try Self.index(long, into: idx, from: try idx.position().bytes)
        let runs = try Self.runs(idx).dropFirst(3)
        #expect(runs.count > 1 && runs.allSatisfy { $0.length <= ReplicaRun.maxBytes })
        #expect(runs.map(\.count).reduce(0, +) == 100)
    }

    @Test func anIndexOfTheOlderFormatIsRebuilt() throws {
        let tmp = TempDir("index"); defer { tmp.cleanup() }
        let dir = try StateDirectory(path: tmp.file("d")).create()
        let ms = (1...50).map { Self.m(Self.a, UInt32($0), UInt64($0)) }
        writeFile(dir.replicaPath, ms.flatMap(ReplicaFile.line(for:)))
        // Format 1: a row per line.
        let old = try SQLiteDatabase(path: dir.indexPath)
        try old.execute("""
            PRAGMA journal_mode=WAL;
            CREATE TABLE meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);
            CREATE TABLE line(off INTEGER PRIMARY KEY, len INTEGER NOT NULL, origin INTEGER NOT NULL, inc INTEGER NOT NULL,
                counter INTEGER NOT NULL, epoch INTEGER NOT NULL, creator INTEGER NOT NULL, rinc INTEGER NOT NULL, seq INTEGER NOT NULL);
            INSERT INTO meta VALUES ('format', 1), ('lines', 0), ('bytes', 0), ('tail', 0);
            """)
        old.close()
        // The reconciler's read-only open refuses it (it builds a scratch one).
        #expect(throws: SQLiteError.self) { try ReplicaIndex(path: dir.indexPath, writable: false) }
        let opening = ReplicaOpening.prepare(dir, checkpoint: nil, capacity: 100)
        #expect(opening.warnings.contains { $0.contains("another version's format") }, "\(opening.warnings)")
        let idx = try #require(opening.index)
        #expect(try idx.position().lines == 50)
        idx.close()
        let store = try ReplicaStore(directory: dir)
        #expect(store.messages(of: Self.a, counters: 1...50, limit: 100) == ms)
        #expect(store.page(before: nil, limit: 3) == Array(ms.suffix(3)))
    }
}
