#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore

/// replica.index.sqlite: where each replica line is, by message id and by
/// slot. Derived from replica.jsonl and nothing else: deleted and rebuilt
/// whenever it is missing, damaged or does not match the replica (see
/// docs/STORAGE.md for why SQLite).
///
/// One row per replica line, keyed by its byte offset: its length, its id
/// and its slot. Unsigned 64-bit fields are stored with the
/// top bit flipped so that SQLite's signed order is their order.
///
/// One instance per thread: the disk thread writes through its own, the
/// loop thread reads through another (WAL lets them run side by side).
final class ReplicaIndex {
    static let format: Int64 = 1

    /// What the index covers: the first `lines` lines, ending at byte
    /// `bytes`, the last of which hashes (FNV-1a) to `tail`.
    struct Position: Equatable, Sendable {
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

    let path: String
    private let db: SQLiteDatabase
    private var insertStmt: SQLiteStatement?
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (creating when `writable`) the index.
    init(path: String, writable: Bool) throws(SQLiteError) {
        self.path = path
        db = try SQLiteDatabase(path: path, readOnly: !writable)
        // Derived data: never worth an fsync (a damaged index is rebuilt).
        try db.execute("PRAGMA synchronous=OFF; PRAGMA cache_size=-1024;")
        if writable {
            try db.execute("""
                PRAGMA journal_mode=WAL;
                CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS line(
                    off INTEGER PRIMARY KEY, len INTEGER NOT NULL,
                    origin INTEGER NOT NULL, inc INTEGER NOT NULL, counter INTEGER NOT NULL,
                    epoch INTEGER NOT NULL, creator INTEGER NOT NULL, rinc INTEGER NOT NULL, seq INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS line_id ON line(origin, inc, counter);
                CREATE INDEX IF NOT EXISTS line_slot ON line(epoch, creator, rinc, seq);
                INSERT OR IGNORE INTO meta VALUES ('format', \(Self.format));
                """)
            let f = try meta("format")
            guard f == Self.format else {
                throw SQLiteError(code: 0, message: "index format \(f.map(String.init) ?? "none"), expected \(Self.format)", context: path)
            }
        }
    }

    func close() {
        insertStmt = nil
        statements = [:]
        db.close()
    }

    /// Deletes the index files (the database and its WAL).
    static func remove(_ path: String) {
        for p in [path, path + "-wal", path + "-shm"] { unlink(p) }
    }

    static func key(_ v: UInt64) -> Int64 { Int64(bitPattern: v ^ (1 << 63)) }

    private func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let s = statements[sql] { return s }
        let s = try db.prepare(sql)
        statements[sql] = s
        return s
    }

    private func meta(_ k: String) throws(SQLiteError) -> Int64? {
        let s = try statement("SELECT v FROM meta WHERE k = ?1")
        s.bind([])
        s.bind(text: k, at: 1)
        var out: Int64?
        try s.rows { out = $0.int(0) }
        return out
    }

    private func setMeta(_ k: String, _ v: Int64) throws(SQLiteError) {
        let s = try statement("INSERT OR REPLACE INTO meta VALUES (?1, ?2)")
        s.bind([0, v])
        s.bind(text: k, at: 1)
        try s.run()
    }

    // MARK: writing (disk thread)

    func position() throws(SQLiteError) -> Position {
        Position(lines: Int(try meta("lines") ?? 0), bytes: Int(try meta("bytes") ?? 0),
                 tail: UInt64(bitPattern: try meta("tail") ?? 0))
    }

    /// Adds lines and moves the position, in one transaction.
    func append(_ rows: [(location: Location, message: ChatMessage)], position: Position) throws(SQLiteError) {
        try db.execute("BEGIN")
        do throws(SQLiteError) {
            let s = try statement("INSERT OR REPLACE INTO line VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
            for (loc, m) in rows {
                s.bind([Int64(loc.offset), Int64(loc.length),
                        Self.key(m.id.origin.raw), Int64(m.id.incarnation), Int64(m.id.counter),
                        Self.key(m.slot.ring.epoch), Self.key(m.slot.ring.creator.raw), Int64(m.slot.ring.incarnation),
                        Self.key(m.slot.seq)])
                try s.run()
            }
            try setMeta("lines", Int64(position.lines))
            try setMeta("bytes", Int64(position.bytes))
            try setMeta("tail", Int64(bitPattern: position.tail))
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// Forgets every line (the replica no longer matches).
    func clear() throws(SQLiteError) {
        try db.execute("BEGIN; DELETE FROM line; DELETE FROM meta WHERE k IN ('lines', 'bytes', 'tail'); COMMIT;")
    }

    // MARK: reading (loop thread)

    private func locations(_ sql: String, _ values: [Int64]) -> [Location] {
        guard let s = try? statement(sql) else { return [] }
        s.bind(values)
        var out: [Location] = []
        try? s.rows { out.append(Location(offset: Int($0.int(0)), length: Int($0.int(1)))) }
        return out
    }

    func lines(of stream: StreamID, counters: ClosedRange<UInt32>, limit: Int) -> [Location] {
        locations("SELECT off, len FROM line WHERE origin = ?1 AND inc = ?2 AND counter BETWEEN ?3 AND ?4 ORDER BY counter LIMIT ?5",
                  [Self.key(stream.origin.raw), Int64(stream.incarnation), Int64(counters.lowerBound),
                   Int64(counters.upperBound), Int64(min(limit, Int(Int32.max)))])
    }

    private func slotKey(_ s: Slot) -> [Int64] {
        [Self.key(s.ring.epoch), Self.key(s.ring.creator.raw), Int64(s.ring.incarnation), Self.key(s.seq)]
    }

    func line(at slot: Slot) -> Location? {
        locations("SELECT off, len FROM line WHERE epoch = ?1 AND creator = ?2 AND rinc = ?3 AND seq = ?4 LIMIT 1",
                  slotKey(slot)).first
    }

    /// Lines in the agreed order (by slot) just before `slot`, or the last
    /// ones; newest first.
    func lines(before slot: Slot?, limit: Int) -> [Location] {
        let l = Int64(min(limit, Int(Int32.max)))
        guard let slot else {
            return locations("SELECT off, len FROM line ORDER BY epoch DESC, creator DESC, rinc DESC, seq DESC LIMIT ?1", [l])
        }
        return locations("""
            SELECT off, len FROM line WHERE (epoch, creator, rinc, seq) < (?1, ?2, ?3, ?4)
            ORDER BY epoch DESC, creator DESC, rinc DESC, seq DESC LIMIT ?5
            """, slotKey(slot) + [l])
    }

    /// The line of message `id` and its slot, if any.
    func line(of id: MessageID) -> (location: Location, slot: Slot)? {
        guard let st = try? statement("SELECT off, len, epoch, creator, rinc, seq FROM line WHERE origin = ?1 AND inc = ?2 AND counter = ?3 LIMIT 1")
        else { return nil }
        st.bind([Self.key(id.origin.raw), Int64(id.incarnation), Int64(id.counter)])
        var out: (Location, Slot)?
        try? st.rows { r in out = (Location(offset: Int(r.int(0)), length: Int(r.int(1))), Self.slot(r, from: 2)) }
        return out
    }

    static func unkey(_ v: Int64) -> UInt64 { UInt64(bitPattern: v) ^ (1 << 63) }

    /// The slot in columns `from`... of a row (epoch, creator, rinc, seq).
    static func slot(_ r: SQLiteStatement, from c: Int32) -> Slot {
        Slot(ring: RingID(epoch: unkey(r.int(c)), creator: NodeID(unkey(r.int(c + 1))), incarnation: UInt32(truncatingIfNeeded: r.int(c + 2))),
             seq: unkey(r.int(c + 3)))
    }

    /// The id in columns `from`... of a row (origin, inc, counter).
    static func id(_ r: SQLiteStatement, from c: Int32) -> MessageID {
        MessageID(origin: NodeID(unkey(r.int(c))), incarnation: UInt32(truncatingIfNeeded: r.int(c + 1)),
                  counter: UInt32(truncatingIfNeeded: r.int(c + 2)))
    }

    /// Every line, one at a time, in the agreed order (`bySlot`) or in file
    /// order: a statement stepped as a cursor, so a million lines never sit
    /// in memory.
    func cursor(bySlot: Bool) throws(SQLiteError) -> SQLiteStatement {
        // Columns 2... are the line's (slot, id) key, comparable as integers.
        let s = try db.prepare("SELECT off, len, epoch, creator, rinc, seq, origin, inc, counter FROM line ORDER BY "
                               + (bySlot ? "epoch, creator, rinc, seq, origin, inc, counter" : "off"))
        s.bind([])
        return s
    }

    /// Lines in the agreed order just after `slot`, oldest first.
    func lines(after slot: Slot, limit: Int) -> [Location] {
        locations("""
            SELECT off, len FROM line WHERE (epoch, creator, rinc, seq) > (?1, ?2, ?3, ?4)
            ORDER BY epoch, creator, rinc, seq LIMIT ?5
            """, slotKey(slot) + [Int64(min(limit, Int(Int32.max)))])
    }
}
