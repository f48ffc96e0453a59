#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO

/// `ringchat reconcile` for replicas of any length, in bounded memory: the
/// same merge as `OfflineReconciler` (union of ids, canonical slot = the
/// lowest, the lowest variant kept on a disagreement), computed as a k-way
/// merge of the replicas in slot order read through their indexes, one
/// line per replica in memory at a time. Lines are compared by their bytes
/// and parsed only where they differ; the merged log (the kept lines as
/// they are) is streamed to a temp file, and `--write` copies it over each
/// replica that differs.
///
/// A replica's own index is used read-only when it matches the file; else
/// a temporary one is built (the dirs are never changed without --write).
public struct StreamingReconciler {
    /// The report, in `OfflineReconciler`'s terms (lacks etc. hold up to
    /// `examples` examples, the totals are exact).
    public private(set) var result: OfflineReconciler
    let work: String
    let mergedPath: String
    /// Per dir: lines no honest node could have written, left out of the
    /// merge (moved to replica.jsonl.broken before a --write).
    var implausible: [Int] = []
    /// Per dir: lines of a later version, which the merge cannot carry: a
    /// --write of that dir is refused rather than lose them.
    var later: [Int] = []

    /// One replica line at the head of a cursor: its slot and id from the
    /// index, its raw bytes, parsed only when its content must be read (a
    /// disagreement, an example to print).
    struct Line {
        let slot: Slot
        let id: MessageID
        let raw: [UInt8]
        var message: ChatMessage? { ReplicaStore.decode(raw) }
    }

    struct Source {
        let store: ReplicaStore
        let cursor: ReplicaIndex.Cursor
        var head: Line?
        var unsorted = false
    }

    public init(directories: [String], examples: Int = 10) throws {
        var template = Array("/tmp/rc-reconcile-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw SystemError("mkdtemp") }
        work = String(cString: p)
        mergedPath = work + "/merged.jsonl"
        var reps: [OfflineReconciler.Replica] = []
        var sources: [Source] = []
        for (k, d) in directories.enumerated() {
            let dir = StateDirectory(path: d)
            let (node, warnings) = OfflineReconciler.identify(dir)
            let (indexPath, lines, bad, newer, w) = try Self.index(for: dir, scratch: work + "/\(k).sqlite")
            implausible.append(bad)
            later.append(newer)
            var rep = OfflineReconciler.Replica(directory: dir.path, node: node, messages: [], warnings: warnings + w)
            rep.totals = .init(lines: lines)
            reps.append(rep)
            let store = try ReplicaStore(replicaPath: dir.replicaPath, indexPath: indexPath)
            sources.append(Source(store: store, cursor: try store.index.cursor(bySlot: true)))
        }
        // Whether each replica's lines are already in the agreed order: the
        // index's keys in file order, no line read.
        for k in sources.indices {
            let c = try sources[k].store.index.cursor(bySlot: false)
            var prev: (Slot, MessageID)?
            while let l = try c.next() {
                let key = (l.slot, l.id)
                if let p = prev, key < p { sources[k].unsorted = true; break }
                prev = key
            }
        }
        result = try Self.merge(&sources, reps, into: mergedPath, examples: examples)
    }

    /// The dir's index if it matches its replica, else a scratch one built
    /// from the replica (read-only: a torn tail is reported, not cut); and
    /// the replica's lines of a later version (read only where the index's
    /// lines do not cover the file byte for byte).
    static func index(for dir: StateDirectory, scratch: String) throws
        -> (path: String, lines: Int, implausible: Int, later: Int, warnings: [String]) {
        let size = ReplicaOpening.fileSize(dir.replicaPath)
        if FileIO.exists(dir.indexPath), let idx = try? ReplicaIndex(path: dir.indexPath, writable: false) {
            defer { idx.close() }
            if let p = try? idx.position(), p.bytes == size,
               p.bytes == 0 || ReplicaOpening.tailHash(dir.replicaPath, endingAt: p.bytes) == p.tail {
                guard (try? idx.indexedBytes()) != size else { return (dir.indexPath, p.lines, 0, 0, []) }
                let r = ReplicaScanner.scan(dir.replicaPath, repair: false) { _, _, _, _ in }
                let said = ReplicaScanner.Report.laterWarning(count: r.later, first: r.firstLater).map { [$0] } ?? []
                return (dir.indexPath, p.lines, 0, r.later, said)
            }
        }
        let idx = try ReplicaIndex(path: scratch, writable: true)
        defer { idx.close() }
        var rows: [(location: ReplicaIndex.Location, message: ChatMessage)] = []
        var pos = ReplicaIndex.Position.empty
        let report = ReplicaScanner.scan(dir.replicaPath, repair: false) { off, len, _, m in
            rows.append((.init(offset: off, length: len), m))
            pos.lines += 1
            pos.bytes = off + len
            if rows.count >= 8_192 { try? idx.append(rows, position: pos); rows.removeAll(keepingCapacity: true) }
        }
        try idx.append(rows, position: pos)
        return (scratch, pos.lines, report.implausible, report.later, report.warnings)
    }

    /// Same text, nick, kind and room: equal bytes say so without parsing.
    static func sameContent(_ a: Line, _ b: Line) -> Bool {
        if a.raw == b.raw { return true }
        guard let x = a.message, let y = b.message else { return false }
        return OfflineReconciler.sameContent(x, y)
    }

    /// The merge's order of variants at one slot: by id, then nick, text,
    /// kind, room (the same whatever the order of the dirs).
    static func variantOrder(_ a: Line, _ b: Line) -> Bool {
        if a.id != b.id { return a.id < b.id }
        if a.raw == b.raw { return false }
        guard let x = a.message, let y = b.message else { return a.raw.lexicographicallyPrecedes(b.raw) }
        if x.nick != y.nick { return x.nick < y.nick }
        if x.text != y.text { return x.text < y.text }
        if x.kind != y.kind { return x.kind.rawValue < y.kind.rawValue }
        return x.room < y.room
    }

    static func advance(_ s: inout Source) throws {
        s.head = nil
        while let l = try s.cursor.next() {
            if let raw = s.store.bytes(l) {
                s.head = Line(slot: l.slot, id: l.id, raw: raw)
                return
            }
        }
    }

    static func merge(_ sources: inout [Source], _ input: [OfflineReconciler.Replica], into path: String,
                      examples: Int) throws -> OfflineReconciler {
        var reps = input
        var disagreements: [String] = []
        var rings = Set<RingID>()
        var mergedCount = 0
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("open", context: path) }
        defer { Glibc.close(fd) }
        var out: [UInt8] = []
        for k in sources.indices { try advance(&sources[k]) }
        var lastMerged: (slot: Slot, id: MessageID)?

        func reject(_ k: Int, _ l: Line, _ why: () -> String) {
            reps[k].totals!.rejected += 1
            if reps[k].rejected.count < examples, let m = l.message { reps[k].rejected.append(m) }
            if disagreements.count < examples * 2 { disagreements.append(why()) }
        }
        func slotTaken(_ k: Int, _ l: Line, by id: MessageID) {
            reject(k, l) { "\(reps[k].directory): slot \(l.slot.ring.text)#\(l.slot.seq) holds \(l.id.text) but the merge keeps \(id.text) there" }
        }
        func otherContent(_ k: Int, _ l: Line, kept: Line) {
            reject(k, l) {
                let m = l.message, e = kept.message
                return "\(reps[k].directory): message \(l.id.text) reads \(m.map { OfflineReconciler.content($0) } ?? "?") but the merge keeps \(e.map { OfflineReconciler.content($0) } ?? "?")"
            }
        }

        while let slot = sources.compactMap(\.head?.slot).min() {
            let group = sources.indices.filter { sources[$0].head?.slot == slot }
            let variants = group.map { ($0, sources[$0].head!) }.sorted { variantOrder($0.1, $1.1) }
            let keep = variants[0].1
            defer { for k in group { try? advance(&sources[k]) } }
            // A slot already given to another id by the merge (a replica
            // with two lines at one slot).
            if let l = lastMerged, l.slot == slot {
                for (k, v) in variants where v.id != l.id { slotTaken(k, v, by: l.id) }
                continue
            }
            // Where the other replicas hold this id: lower (merged there
            // already: this is an extra slot), higher, or nowhere (lacking).
            let holdsHere = Set(variants.filter { $0.1.id == keep.id }.map(\.0))
            var earlier: Line?
            var held = Set<Int>()
            for k in sources.indices where !holdsHere.contains(k) {
                guard let l = sources[k].store.index.line(of: keep.id) else { continue }
                held.insert(k)
                let at = l.slot
                if at < slot, earlier.map({ at < $0.slot }) ?? true, let raw = sources[k].store.bytes(l) {
                    earlier = Line(slot: at, id: keep.id, raw: raw)
                }
            }
            if let e = earlier {
                for (k, v) in variants where v.id == keep.id {
                    if sameContent(v, e) {
                        reps[k].totals!.reordered += 1
                        if reps[k].reordered.count < examples { reps[k].reordered.append(v.id) }
                    } else {
                        otherContent(k, v, kept: e)
                    }
                }
                continue
            }
            for (k, v) in variants.dropFirst() {
                if v.id != keep.id { slotTaken(k, v, by: keep.id) } else if !sameContent(v, keep) { otherContent(k, v, kept: keep) }
            }
            // Held at a higher slot: judged when its cursor gets there.
            for k in sources.indices where !holdsHere.contains(k) && !held.contains(k) {
                reps[k].totals!.lacks += 1
                if reps[k].lacks.count < examples, let m = keep.message { reps[k].lacks.append(m) }
            }
            out += keep.raw
            if out.count >= 1 << 20 { try FileIO.writeAll(fd, out, path: path); out.removeAll(keepingCapacity: true) }
            mergedCount += 1
            rings.insert(slot.ring)
            lastMerged = (slot, keep.id)
        }
        try FileIO.writeAll(fd, out, path: path)
        try FileIO.fsync(fd, path: path)
        for k in reps.indices {
            let t = reps[k].totals!
            reps[k].identical = !sources[k].unsorted && t.lacks == 0 && t.reordered == 0 && t.rejected == 0 && t.lines == mergedCount
        }
        return OfflineReconciler(replicas: reps, mergedCount: mergedCount, mergedRings: rings.count, disagreements: disagreements)
    }

    /// Copies the merged log over every replica that differs (refusing a
    /// dir whose node runs); their indexes are dropped (rebuilt on start).
    public func write() -> (lines: [String], failures: Int) {
        OfflineReconciler.rewrite(result.replicas, messages: result.mergedCount, aside: { implausible[$0] > 0 },
                                  later: { later[$0] }) { dir throws(SystemError) in
            try FileIO.copyAtomically(mergedPath, to: dir.replicaPath, in: dir.path)
            ReplicaIndex.remove(dir.indexPath)
        }
    }

    /// Removes the scratch files.
    public func close() {
        let indexes = (0..<result.replicas.count).flatMap { ["\($0).sqlite", "\($0).sqlite-wal", "\($0).sqlite-shm"] }
        for name in ["merged.jsonl"] + indexes {
            unlink(work + "/" + name)
        }
        rmdir(work)
    }
}
