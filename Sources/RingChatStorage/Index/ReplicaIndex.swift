#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO

/// replica.index.sqlite: where each replica line is, by message id and by
/// slot. Derived from replica.jsonl and nothing else: deleted and rebuilt
/// whenever it is missing, damaged, of another format or does not match
/// the replica (see docs/STORAGE.md for why SQLite).
///
/// One row per run of lines (`ReplicaRun`: a sender's batch is one row,
/// not one per line), keyed by its byte offset: its length, its line
/// count, and the id and slot of its first line. Unsigned 64-bit fields are
/// stored with the top bit flipped so that SQLite's signed order is their
/// order. The answers are the per-line ones: lines are expanded from runs
/// (`OrderedRunLines`), ties in file order.
///
/// One instance per thread: the disk thread writes through its own, the
/// loop thread reads through another (WAL lets them run side by side).
package final class ReplicaIndex {
    /// 1: a row per line. 2: a row per run.
    static let format: Int64 = 2
    /// The code of the error that refuses an index of another format.
    static let otherFormat: Int32 = -1

    /// What the index covers: the first `lines` lines, ending at byte
    /// `bytes`, the last of which hashes (FNV-1a) to `tail`.
    package struct Position: Equatable, Sendable {
        var lines: Int
        var bytes: Int
        var tail: UInt64
        static let empty = Position(lines: 0, bytes: 0, tail: 0)
    }

    /// Where one line is in the replica file.
    struct Location: Equatable {
        var offset: Int
        var length: Int
    }

    /// What the index keeps of one line: where it is, its id and slot (no
    /// strings: the disk thread holds these until its next commit).
    struct Row {
        var location: Location
        var id: MessageID
        var slot: Slot

        init(_ location: Location, _ m: ChatMessage) {
            self.init(location, id: m.id, slot: m.slot)
        }

        init(_ location: Location, id: MessageID, slot: Slot) {
            self.location = location
            self.id = id
            self.slot = slot
        }
    }

    let path: String
    private let db: SQLiteDatabase
    /// The writer's last run, which the next lines may continue (also
    /// across transactions), and how many lines its row holds (nil: no
    /// row yet).
    private var open: ReplicaRun?
    private var openStored: Int?
    private var lookedForOpen = false

    /// Opens (creating when `writable`) the index.
    init(path: String, writable: Bool) throws(SQLiteError) {
        self.path = path
        db = try SQLiteDatabase(path: path, readOnly: !writable)
        // Derived data: never worth an fsync (a damaged index is rebuilt).
        try db.execute("PRAGMA synchronous=OFF; PRAGMA cache_size=-1024;")
        if writable {
            // The WAL is bounded: checkpointed every `walPages` pages (not
            // SQLite's 1,000, 4 MiB) and cut back to `walBytes` when it
            // restarts, so the derived index never holds the space the
            // replica needs (a 2 MiB state dir was full with a 1.8 MB WAL).
            try db.execute("""
                PRAGMA journal_mode=WAL;
                PRAGMA wal_autocheckpoint=\(Self.walPages);
                PRAGMA journal_size_limit=\(Self.walBytes);
                CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
                """)
            try checkFormat(orNone: true)
            try db.execute("""
                CREATE TABLE IF NOT EXISTS run(
                    off INTEGER PRIMARY KEY, len INTEGER NOT NULL, n INTEGER NOT NULL,
                    origin INTEGER NOT NULL, inc INTEGER NOT NULL, counter INTEGER NOT NULL,
                    epoch INTEGER NOT NULL, creator INTEGER NOT NULL, rinc INTEGER NOT NULL, seq INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS run_id ON run(origin, inc, counter);
                CREATE INDEX IF NOT EXISTS run_slot ON run(epoch, creator, rinc, seq);
                INSERT OR IGNORE INTO meta VALUES ('format', \(Self.format));
                """)
        } else {
            try checkFormat(orNone: false)
        }
    }

    /// Refuses an index written by another version (it is rebuilt).
    private func checkFormat(orNone: Bool) throws(SQLiteError) {
        let f = try meta("format")
        guard f == Self.format || (orNone && f == nil) else {
            throw SQLiteError(code: Self.otherFormat, message: "index format \(f.map(String.init) ?? "none"), expected \(Self.format)", context: path)
        }
    }

    static let walPages = 64
    static let walBytes = 256 << 10

    /// Copies the WAL into the database and truncates it to zero bytes
    /// (waits up to the busy timeout for readers). Best effort: on a full
    /// disk it may fail, and is tried again later.
    func truncateWAL() {
        try? db.execute("PRAGMA wal_checkpoint(TRUNCATE);")
    }

    func close() {
        db.close()
    }

    /// Deletes the index files (the database and its WAL).
    static func remove(_ path: String) {
        for p in [path, path + "-wal", path + "-shm"] { unlink(p) }
    }

    static func key(_ v: UInt64) -> Int64 { Int64(bitPattern: v ^ (1 << 63)) }
    static func unkey(_ v: Int64) -> UInt64 { UInt64(bitPattern: v) ^ (1 << 63) }

    private func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement { try db.cached(sql) }

    private func meta(_ k: String) throws(SQLiteError) -> Int64? { try db.meta(k) }

    /// The position, in the one page of `meta` (one B-tree: WITHOUT ROWID).
    private func setPosition(_ p: Position) throws(SQLiteError) {
        let s = try statement("INSERT OR REPLACE INTO meta VALUES ('lines', ?1), ('bytes', ?2), ('tail', ?3)")
        s.bind([Int64(p.lines), Int64(p.bytes), Int64(bitPattern: p.tail)])
        try s.run()
    }

    // MARK: writing (disk thread)

    func position() throws(SQLiteError) -> Position {
        Position(lines: Int(try meta("lines") ?? 0), bytes: Int(try meta("bytes") ?? 0),
                 tail: UInt64(bitPattern: try meta("tail") ?? 0))
    }

    /// Adds lines (in file order, after the ones indexed so far) and moves
    /// the position, in one transaction. A line that continues the last
    /// run, even one committed earlier, grows its row.
    func append(_ rows: [(location: Location, message: ChatMessage)], position: Position) throws(SQLiteError) {
        try append(rows.map { Row($0.location, $0.message) }, position: position)
    }

    func append(_ rows: [Row], position: Position) throws(SQLiteError) {
        let (wasOpen, wasStored) = (open, openStored)
        // Prepared once: a transaction per commit of the disk thread.
        try statement("BEGIN").run()
        do throws(SQLiteError) {
            if !lookedForOpen {
                // The last run of an index opened on an earlier start.
                lookedForOpen = true
                if open == nil, let r = try lastRun() { (open, openStored) = (r, r.count) }
            }
            for row in rows {
                if open?.extend(row) == true { continue }
                try storeOpen()
                (open, openStored) = (ReplicaRun(row), nil)
            }
            try storeOpen()
            try setPosition(position)
            try statement("COMMIT").run()
        } catch {
            try? db.execute("ROLLBACK")
            (open, openStored) = (wasOpen, wasStored)
            throw error
        }
    }

    /// Writes the open run's row if it lacks lines: an insert, or an
    /// update of its length, which touches neither index (they hold its
    /// first line).
    private func storeOpen() throws(SQLiteError) {
        guard let r = open, openStored != r.count else { return }
        if openStored == nil {
            let s = try statement("INSERT OR REPLACE INTO run VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
            s.bind([Int64(r.offset), Int64(r.length), Int64(r.count),
                    Self.key(r.id0.origin.raw), Int64(r.id0.incarnation), Int64(r.id0.counter),
                    Self.key(r.slot0.ring.epoch), Self.key(r.slot0.ring.creator.raw), Int64(r.slot0.ring.incarnation),
                    Self.key(r.slot0.seq)])
            try s.run()
        } else {
            let s = try statement("UPDATE run SET len = ?2, n = ?3 WHERE off = ?1")
            s.bind([Int64(r.offset), Int64(r.length), Int64(r.count)])
            try s.run()
        }
        openStored = r.count
    }

    private func lastRun() throws(SQLiteError) -> ReplicaRun? {
        let s = try statement("SELECT \(Self.runColumns) FROM run ORDER BY off DESC LIMIT 1")
        s.bind([])
        var out: ReplicaRun?
        try s.rows { out = Self.run($0) }
        return out
    }

    /// The bytes of the lines indexed: the replica's length exactly when
    /// every line of it is a message (no damaged line, none of a later
    /// version), which `reconcile` asks before it rewrites a replica.
    func indexedBytes() throws(SQLiteError) -> Int {
        let s = try statement("SELECT total(len) FROM run")
        s.bind([])
        var out = 0
        try s.rows { out = Int($0.int(0)) }
        return out
    }

    /// Forgets every line (the replica no longer matches).
    func clear() throws(SQLiteError) {
        try db.execute("BEGIN; DELETE FROM run; DELETE FROM meta WHERE k IN ('lines', 'bytes', 'tail'); COMMIT;")
        (open, openStored, lookedForOpen) = (nil, nil, true)
    }

    // MARK: reading (loop thread)

    static let runColumns = "off, len, n, origin, inc, counter, epoch, creator, rinc, seq"

    /// The run in a row of `runColumns`. A damaged file's values are
    /// bounded so that they cannot trap (its lines then fail to read).
    static func run(_ r: SQLiteStatement) -> ReplicaRun {
        let counter = UInt32(truncatingIfNeeded: r.int(5)), seq = unkey(r.int(9))
        let room = min(UInt64(UInt32.max - counter), UInt64.max - seq)   // lines that fit after the first
        let n = min(UInt64(max(r.int(2), 1)), UInt64(ReplicaRun.maxLines), room + 1)
        return ReplicaRun(offset: Int(r.int(0)), length: Int(min(max(r.int(1), 0), Int64(ReplicaFile.maxLineBytes))),
                          count: Int(n),
                          id0: MessageID(origin: NodeID(unkey(r.int(3))), incarnation: UInt32(truncatingIfNeeded: r.int(4)), counter: counter),
                          slot0: Slot(ring: RingID(epoch: unkey(r.int(6)), creator: NodeID(unkey(r.int(7))),
                                                   incarnation: UInt32(truncatingIfNeeded: r.int(8))),
                                      seq: seq))
    }

    /// Runs the query `where` (after `SELECT runColumns FROM run`) and hands
    /// its runs to `body`, then ends the read (an unfinished statement
    /// would hold the reader's WAL snapshot).
    private func query<T>(_ rest: String, _ values: [Int64], _ body: (inout OrderedRunLines) -> T,
                          order: OrderedRunLines.Order, descending: Bool = false,
                          wanted: @escaping (ReplicaRun) -> ClosedRange<Int>?) -> T? {
        guard let s = try? statement("SELECT \(Self.runColumns) FROM run " + rest) else { return nil }
        s.bind(values)
        defer { s.reset() }
        var lines = OrderedRunLines(order, descending: descending, wanted: wanted) { () throws(SQLiteError) -> ReplicaRun? in
            try s.step() ? Self.run(s) : nil
        }
        return body(&lines)
    }

    func lines(of stream: StreamID, counters: ClosedRange<UInt32>, limit: Int) -> [RunLine] {
        let from = ReplicaRun.earliestStart(UInt64(counters.lowerBound))
        return query("WHERE origin = ?1 AND inc = ?2 AND counter BETWEEN ?3 AND ?4 ORDER BY counter",
                     [Self.key(stream.origin.raw), Int64(stream.incarnation), Int64(from), Int64(counters.upperBound)],
                     { $0.prefix(limit) }, order: .counter) { $0.lines(counters: counters) } ?? []
    }

    private func slotKey(_ s: Slot) -> [Int64] {
        [Self.key(s.ring.epoch), Self.key(s.ring.creator.raw), Int64(s.ring.incarnation), Self.key(s.seq)]
    }

    /// The first line (in the file) at `slot`.
    func line(at slot: Slot) -> RunLine? {
        firstLine("WHERE epoch = ?1 AND creator = ?2 AND rinc = ?3 AND seq BETWEEN ?5 AND ?4",
                  slotKey(slot) + [Self.key(ReplicaRun.earliestStart(slot.seq))]) { $0.line(at: slot) }
    }

    /// The first line (in the file) of message `id`.
    func line(of id: MessageID) -> RunLine? {
        firstLine("WHERE origin = ?1 AND inc = ?2 AND counter BETWEEN ?3 AND ?4",
                  [Self.key(id.origin.raw), Int64(id.incarnation), Int64(ReplicaRun.earliestStart(UInt64(id.counter))), Int64(id.counter)]) {
            $0.line(counter: id.counter)
        }
    }

    /// Of the runs `rest` selects (a bounded range), the first line in the
    /// file for which `k` names a line.
    private func firstLine(_ rest: String, _ values: [Int64], _ k: (ReplicaRun) -> Int?) -> RunLine? {
        guard let s = try? statement("SELECT \(Self.runColumns) FROM run " + rest) else { return nil }
        s.bind(values)
        var out: RunLine?
        try? s.rows { row in
            let r = Self.run(row)
            if let k = k(r), out.map({ r.offset < $0.run.offset }) ?? true { out = RunLine(run: r, k: k) }
        }
        return out
    }

    /// Lines in the agreed order (by slot) just before `slot`, or the last
    /// ones; newest first.
    func lines(before slot: Slot?, limit: Int) -> [RunLine] {
        let desc = "ORDER BY epoch DESC, creator DESC, rinc DESC, seq DESC"
        guard let slot else {
            return query(desc, [], { $0.prefix(limit) }, order: .slot, descending: true) { 0...($0.count - 1) } ?? []
        }
        return query("WHERE (epoch, creator, rinc, seq) < (?1, ?2, ?3, ?4) " + desc, slotKey(slot),
                     { $0.prefix(limit) }, order: .slot, descending: true) { $0.lines(beyond: slot, above: false) } ?? []
    }

    /// Lines in the agreed order just after `slot`, oldest first.
    func lines(after slot: Slot, limit: Int) -> [RunLine] {
        // From the runs that may hold the slot just after it.
        let from = Slot(ring: slot.ring, seq: ReplicaRun.earliestStart(slot.seq))
        return query("WHERE (epoch, creator, rinc, seq) >= (?1, ?2, ?3, ?4) ORDER BY epoch, creator, rinc, seq", slotKey(from),
                     { $0.prefix(limit) }, order: .slot) { $0.lines(beyond: slot, above: true) } ?? []
    }

    /// Every line, one at a time, in the agreed order (by slot, then id)
    /// or in file order, read from a statement stepped as a cursor, so a
    /// million lines never sit in memory.
    final class Cursor {
        private let statement: SQLiteStatement
        private var lines: OrderedRunLines

        fileprivate init(_ statement: SQLiteStatement, bySlot: Bool) {
            self.statement = statement
            lines = OrderedRunLines(bySlot ? .slotThenID : .file) { () throws(SQLiteError) -> ReplicaRun? in
                try statement.step() ? ReplicaIndex.run(statement) : nil
            }
        }

        func next() throws(SQLiteError) -> RunLine? { try lines.next() }
    }

    func cursor(bySlot: Bool) throws(SQLiteError) -> Cursor {
        let s = try db.prepare("SELECT \(Self.runColumns) FROM run ORDER BY " + (bySlot ? "epoch, creator, rinc, seq" : "off"))
        s.bind([])
        return Cursor(s, bySlot: bySlot)
    }
}
