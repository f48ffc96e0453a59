#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSQLite
import RingChatCore
import RingChatIO

/// replica.search.sqlite: a full-text index of the replica's lines (SQLite
/// FTS5), for `/search` and `/lastlog`. Derived from replica.jsonl like
/// replica.index.sqlite, and kept apart from it: the disk thread never
/// tokenises a line (its commits stay as cheap as before); the search
/// thread (`SearchReader`) catches this index up from the replica on its
/// own, in the background, whatever the replica's age or length.
///
/// A contentless FTS5 table (`content=''`): the index holds the tokens of
/// each line's nick and text, one token naming its room (`roomToken`), and,
/// as the rowid, the line's byte offset in the replica; a hit is read back
/// from the replica with one `pread`. A private message is never indexed:
/// its text is the sealed box (nothing to find), and what this node could
/// open must never reach a file in clear. It
/// covers the replica up to a position (bytes, lines, FNV-1a of the last
/// line), checked on open like the run index's: a replica cut or rewritten
/// since gives an index rebuilt from the start.
///
/// One connection, one thread (the search thread's).
package final class SearchIndex {
    /// 1: nick and text. 2: and the room (an index of format 1 is deleted
    /// and built again from the replica: it is derived).
    static let format: Int64 = 2
    package static let fileName = "replica.search.sqlite"

    package let path: String
    package let replicaPath: String
    private var db: SQLiteDatabase
    private var replicaFD: Int32 = -1
    /// What the index covers.
    package private(set) var position = ReplicaIndex.Position.empty
    /// Replica lines the index covers.
    package var indexedLines: Int { position.lines }

    /// Opens or creates the index of `directory`'s replica, checks what it
    /// covers against the replica, and clears it when they no longer match.
    /// Throws when SQLite cannot open it or lacks FTS5.
    package convenience init(directory: StateDirectory) throws(SQLiteError) {
        try self.init(path: directory.path + "/" + Self.fileName, replicaPath: directory.replicaPath)
    }

    package init(path: String, replicaPath: String) throws(SQLiteError) {
        self.path = path
        self.replicaPath = replicaPath
        db = try SQLiteDatabase(path: path)
        do throws(SQLiteError) {
            try open()
        } catch {
            // A damaged or foreign file: it is derived, start it again.
            db.close()
            ReplicaIndex.remove(path)
            db = try SQLiteDatabase(path: path)
            try open()
        }
        replicaFD = Glibc.open(replicaPath, O_RDONLY | O_CLOEXEC)
    }

    deinit { close() }

    package func close() {
        db.close()
        if replicaFD >= 0 { Glibc.close(replicaFD) }
        replicaFD = -1
    }

    private func open() throws(SQLiteError) {
        guard sqlite3_compileoption_used("ENABLE_FTS5") == 1 || (try? db.execute("CREATE VIRTUAL TABLE temp.probe USING fts5(x); DROP TABLE temp.probe;")) != nil else {
            throw SQLiteError(code: SQLITE_ERROR, message: "this SQLite has no FTS5 (full-text search)", context: path)
        }
        try db.execute("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-4096;
            PRAGMA wal_autocheckpoint=256; PRAGMA journal_size_limit=\(1 << 20);
            CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
            CREATE VIRTUAL TABLE IF NOT EXISTS line USING fts5(nick, text, room, content='', columnsize=0,
                tokenize='unicode61 remove_diacritics 2');
            INSERT OR IGNORE INTO meta VALUES ('format', \(Self.format));
            """)
        // FTS5 keeps the terms of a transaction in memory up to this size
        // before writing a segment: larger, fewer segments to merge (in a
        // 200,000-line trial of the sqlite3 shell, a quarter less time than
        // the default 1 MiB; docs/BENCHMARKS.md has the million-line build).
        try db.execute("INSERT INTO line(line, rank) VALUES('hashsize', \(8 << 20));")
        guard try meta("format") == Self.format else {
            throw SQLiteError(code: ReplicaIndex.otherFormat, message: "search index of another format", context: path)
        }
        position = ReplicaIndex.Position(lines: Int(try meta("lines") ?? 0), bytes: Int(try meta("bytes") ?? 0),
                                         tail: UInt64(bitPattern: try meta("tail") ?? 0))
        if !Self.matches(position, replicaPath) { try clear() }
    }

    /// Whether the replica still holds the lines `p` covers.
    static func matches(_ p: ReplicaIndex.Position, _ replicaPath: String) -> Bool {
        if p.bytes == 0 { return p.lines == 0 }
        var st = stat()
        guard stat(replicaPath, &st) == 0, Int(st.st_size) >= p.bytes else { return false }
        return ReplicaOpening.tailHash(replicaPath, endingAt: p.bytes) == p.tail
    }

    private func clear() throws(SQLiteError) {
        // 'delete-all' empties a contentless table (it has no rows to DELETE).
        try db.execute("BEGIN; INSERT INTO line(line) VALUES('delete-all'); DELETE FROM meta WHERE k IN ('lines', 'bytes', 'tail'); COMMIT;")
        position = .empty
    }

    private func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement { try db.cached(sql) }

    private func meta(_ k: String) throws(SQLiteError) -> Int64? { try db.meta(k) }

    // MARK: catching up

    /// How far behind the replica's end the index is, in bytes.
    package func behind() -> Int {
        if replicaFD < 0 { replicaFD = Glibc.open(replicaPath, O_RDONLY | O_CLOEXEC) }
        var st = stat()
        guard fstat(replicaFD, &st) == 0 else { return 0 }
        return max(0, Int(st.st_size) - position.bytes)
    }

    /// Indexes the replica's lines after `position`, committing every
    /// `batch` lines; between commits `pause()` may run other work on this
    /// connection (answer a search) and returns false to stop early.
    /// Returns the lines indexed (a private message is passed over).
    @discardableResult
    package func catchUp(batch: Int = 20_000, pause: () -> Bool = { true }) throws(SQLiteError) -> Int {
        if !Self.matches(position, replicaPath) { try clear() }
        var added = 0, pending = 0
        var failure: SQLiteError?
        var stopped = false
        var at = position
        let insert = try statement("INSERT INTO line(rowid, nick, text, room) VALUES (?1, ?2, ?3, ?4)")
        try db.execute("BEGIN")
        _ = ReplicaScanner.scan(replicaPath, from: position.bytes, firstLine: position.lines + 1, repair: false,
                                stop: { stopped || failure != nil },
                                kept: { offset, length, bytes in
                                    // A later version's line: stepped over, not indexed.
                                    var tail = FNV1a()
                                    tail.add(bytes)
                                    tail.add(UInt8(0x0A))
                                    at = ReplicaIndex.Position(lines: at.lines, bytes: offset + length, tail: tail.value)
                                }) { offset, length, bytes, m in
            guard failure == nil else { return }   // the rest of the chunk
            if m.kind != .private {
                insert.bind([Int64(offset)])
                insert.bind(text: m.nick, at: 2)
                insert.bind(text: m.text, at: 3)
                insert.bind(text: Self.roomToken(m.room), at: 4)
                do throws(SQLiteError) { try insert.run() } catch { failure = error; return }
                added += 1
            }
            var tail = FNV1a()   // of the line with its newline, as `tailHash` reads it
            tail.add(bytes)
            tail.add(UInt8(0x0A))
            at = ReplicaIndex.Position(lines: at.lines + 1, bytes: offset + length, tail: tail.value)
            pending += 1
            if pending >= batch {
                pending = 0
                do throws(SQLiteError) {
                    try commit(at)
                    if !pause() { stopped = true }
                    try db.execute("BEGIN")
                } catch { failure = error }
            }
        }
        if let f = failure {
            try? db.execute("ROLLBACK")
            throw f
        }
        try commit(at)
        return added
    }

    private func commit(_ p: ReplicaIndex.Position) throws(SQLiteError) {
        let s = try statement("INSERT OR REPLACE INTO meta VALUES ('lines', ?1), ('bytes', ?2), ('tail', ?3)")
        s.bind([Int64(p.lines), Int64(p.bytes), Int64(bitPattern: p.tail)])
        try s.run()
        try db.execute("COMMIT")
        position = p
    }

    // MARK: searching

    /// Up to `limit` lines matching `query`, newest first (by place in the
    /// replica, the order this node learnt them), all before byte `before`
    /// when given (the next page), of `query.room` only when it names one.
    package func search(_ query: SearchQuery, before: Int? = nil, limit: Int) throws(SQLiteError) -> [SearchHit] {
        let s = try statement("SELECT rowid FROM line WHERE line MATCH ?1 AND rowid < ?2 ORDER BY rowid DESC LIMIT ?3")
        s.bind([0, Int64(before ?? Int.max), Int64(limit)])
        s.bind(text: Self.match(query), at: 1)
        var offsets: [Int] = []
        try s.rows { offsets.append(Int($0.int(0))) }
        return offsets.compactMap { off in line(at: off).map { SearchHit(offset: off, message: $0) } }
    }

    /// The FTS5 expression of `query`: its words in the nick and text
    /// columns only (a word never matches a room's token), and the room's
    /// token when the query names a room.
    static func match(_ query: SearchQuery) -> String {
        let words = "{nick text} : (" + query.fts + ")"
        guard let room = query.room else { return words }
        return words + " AND room : \"" + roomToken(room) + "\""
    }

    /// A room as one token of the `room` column: `r` and the hex of its
    /// name's bytes (`#ops` is `r6f7073`, the lobby `r`). unicode61 would
    /// split a name at `-`, `_` and `.`, so the name itself would not do.
    static func roomToken(_ room: String) -> String {
        var out = "r"
        for b in room.utf8.dropFirst() {   // the `#`
            out.append(Character(Unicode.Scalar(hexDigits[Int(b >> 4)])))
            out.append(Character(Unicode.Scalar(hexDigits[Int(b & 0xF)])))
        }
        return out
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The replica line at byte `offset`, decoded.
    func line(at offset: Int) -> ChatMessage? {
        guard replicaFD >= 0 else { return nil }
        var want = 512
        while want <= ReplicaFile.maxLineBytes * 2 {
            var buf = [UInt8](repeating: 0, count: want)
            let n = buf.withUnsafeMutableBytes { pread(replicaFD, $0.baseAddress, want, off_t(offset)) }
            guard n > 0 else { return nil }
            if let nl = buf[..<n].firstIndex(of: 0x0A) {
                return buf.withUnsafeBufferPointer { ReplicaLineCodec.decode(UnsafeBufferPointer(rebasing: $0[..<nl])) }
            }
            guard n == want else { return nil }
            want *= 4
        }
        return nil
    }
}
