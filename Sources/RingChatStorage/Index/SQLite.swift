import CSQLite
import RingChatIO

/// The little of SQLite's C API the replica index needs: one connection,
/// prepared statements with integer bindings, errors that carry SQLite's
/// message. Not thread-safe: one connection per thread.
final class SQLiteDatabase {
    private(set) var handle: OpaquePointer?
    let path: String
    /// Statements prepared once for the connection's life (`cached`).
    private var statements: [String: SQLiteStatement] = [:]

    init(path: String, readOnly: Bool = false) throws(SQLiteError) {
        self.path = path
        // A reader of a WAL database still writes its shared-memory file:
        // "read-only" here only means "never create".
        let flags = (readOnly ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK else {
            let e = SQLiteError(code: rc, message: handle.map { String(cString: sqlite3_errmsg($0)) } ?? "open failed", context: path)
            sqlite3_close(handle)
            handle = nil
            throw e
        }
        sqlite3_busy_timeout(handle, 2_000)
    }

    deinit { close() }

    func close() {
        statements = [:]   // finalized before the connection closes
        if let h = handle { sqlite3_close_v2(h) }
        handle = nil
    }

    /// `sql` prepared once, then reused (rebound by each caller).
    func cached(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let s = statements[sql] { return s }
        let s = try prepare(sql)
        statements[sql] = s
        return s
    }

    /// The integer `k` of the `meta(k, v)` table in which both derived
    /// indexes keep their format and position; nil if absent.
    func meta(_ k: String) throws(SQLiteError) -> Int64? {
        let s = try cached("SELECT v FROM meta WHERE k = ?1")
        s.bind([])
        s.bind(text: k, at: 1)
        var out: Int64?
        try s.rows { out = $0.int(0) }
        return out
    }

    func execute(_ sql: String) throws(SQLiteError) {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "error \(rc)"
            sqlite3_free(err)
            throw SQLiteError(code: rc, message: msg, context: sql)
        }
    }

    func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, sql) }
        return SQLiteStatement(stmt, db: self)
    }

    func error(_ rc: Int32, _ context: String) -> SQLiteError {
        SQLiteError(code: rc, message: handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed", context: context)
    }
}

final class SQLiteStatement {
    private let stmt: OpaquePointer
    private unowned let db: SQLiteDatabase

    init(_ stmt: OpaquePointer, db: SQLiteDatabase) {
        self.stmt = stmt
        self.db = db
    }

    deinit { sqlite3_finalize(stmt) }

    /// Binds `values` to ?1, ?2... after a reset.
    func bind(_ values: [Int64]) {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        for (i, v) in values.enumerated() { sqlite3_bind_int64(stmt, Int32(i + 1), v) }
    }

    func bind(text: String, at index: Int32) {
        sqlite3_bind_text(stmt, index, text, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
    }

    /// Runs a statement that returns no rows.
    func run() throws(SQLiteError) {
        let rc = sqlite3_step(stmt)
        sqlite3_reset(stmt)
        guard rc == SQLITE_DONE || rc == SQLITE_ROW else { throw db.error(rc, "step") }
    }

    /// Steps through the rows, handing each to `row` (column readers).
    func rows(_ row: (SQLiteStatement) -> Void) throws(SQLiteError) {
        defer { sqlite3_reset(stmt) }
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else { throw db.error(rc, "step") }
            row(self)
        }
    }

    /// Ends a query stepped only part way (and with it the read).
    func reset() { sqlite3_reset(stmt) }

    func int(_ column: Int32) -> Int64 { sqlite3_column_int64(stmt, column) }

    /// One step of a query read as a cursor: true when a row is ready.
    func step() throws(SQLiteError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        sqlite3_reset(stmt)
        guard rc == SQLITE_DONE else { throw db.error(rc, "step") }
        return false
    }
}

public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public var code: Int32
    public var message: String
    public var context: String
    public var description: String { "sqlite \(code): \(message) (\(context))" }
    /// A full disk (or an I/O error writing to it): worth retrying later.
    public var isOutOfSpace: Bool { code & 0xff == SQLITE_FULL || code & 0xff == SQLITE_IOERR }
}
