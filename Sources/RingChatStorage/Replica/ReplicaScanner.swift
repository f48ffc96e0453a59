#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO

/// Reads replica.jsonl from a byte offset to its end, one line at a time,
/// in bounded memory (a chunk buffer, never the file): the restart reads
/// only the lines after its checkpoint this way, the index rebuild and the
/// upgrade from an older version read them all.
///
/// A bad line (torn, too long, not a message) is skipped with a warning;
/// bad lines at the very end are the tail of a crash and, with `repair`,
/// are cut (moved to `replica.jsonl.broken`) so that the next append
/// starts on a clean line. A line of a later version (a kind or format
/// this build does not know) is no damage: it is left where it is, never
/// read as a message, and all of them are said in one warning.
enum ReplicaScanner {
    struct Report {
        /// Byte offset just past the last good line (the file's length once
        /// a bad tail is cut).
        var goodEnd: Int
        /// Good lines read.
        var lines = 0
        var warnings: [String] = []
        /// The file could not be opened or read.
        var failed = false
        /// Well-formed lines no honest node could have written
        /// (`StoredStateValidator`): skipped; `ReplicaFile.load` moves them
        /// aside.
        var implausible = 0
        /// Lines of a later version, kept in place; the first one's number
        /// and what this build does not know in it.
        var later = 0
        var firstLater: (line: Int, what: String)?

        /// The one warning for the lines of a later version, if any.
        static func laterWarning(count: Int, first: (line: Int, what: String)?) -> String? {
            guard count > 0, let f = first else { return nil }
            return "replica: \(count) line\(count == 1 ? "" : "s") of a later version of ringchat skipped (the first: line \(f.line), \(f.what)): "
                + "kept in the file, not shown; a later version reads \(count == 1 ? "it" : "them")"
        }
    }

    static let chunk = 1 << 20

    /// Calls `body(offset, length, lineBytes, message)` for every good line
    /// from `offset` on, and `kept(offset, length, lineBytes)` for every
    /// line of a later version (a reader that tracks where the lines end
    /// steps over it). `firstLine` numbers the first line read in warnings.
    /// `stop` is asked before each chunk: true ends the scan there (the
    /// search index's background build, when its node stops).
    static func scan(_ path: String, from offset: Int = 0, firstLine: Int = 1, repair: Bool,
                     stop: () -> Bool = { false },
                     kept: (Int, Int, UnsafeBufferPointer<UInt8>) -> Void = { _, _, _ in },
                     _ body: (Int, Int, UnsafeBufferPointer<UInt8>, ChatMessage) -> Void) -> Report {
        var report = Report(goodEnd: offset)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno != ENOENT { report.warnings.append("replica \(path) could not be read, starting empty: \(SystemError("open", context: path))") }
            report.failed = errno != ENOENT
            return report
        }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: chunk)
        var have = 0            // bytes in buf
        var bufStart = offset   // file offset of buf[0]
        var filePos = offset
        var eof = false
        var lineNo = firstLine - 1
        var badSinceGood: [(line: Int, reason: String)] = []
        var discarding = false  // inside a line longer than the limit

        func flushBad() {
            for bad in badSinceGood { report.warnings.append("replica line \(bad.line) skipped: \(bad.reason)") }
            badSinceGood = []
        }

        while true {
            if stop() { return report }
            if !eof, have < buf.count {
                let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + have, $0.count - have, off_t(filePos)) }
                if n < 0 {
                    if errno == EINTR { continue }
                    report.warnings.append("replica \(path) could not be read past byte \(filePos): \(SystemError("read", context: path))")
                    report.failed = true
                    return report
                }
                if n == 0 { eof = true } else { have += n; filePos += n }
            }
            var start = 0
            buf.withUnsafeBufferPointer { b in
                while start < have {
                    guard let nl = memchr(b.baseAddress! + start, 0x0A, have - start) else { break }
                    let end = b.baseAddress!.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                    defer { start = end + 1 }
                    if discarding { discarding = false; continue }
                    lineNo += 1
                    let bytes = UnsafeBufferPointer(rebasing: b[start..<end])
                    if end - start > ReplicaFile.maxLineBytes {
                        badSinceGood.append((lineNo, "line longer than \(ReplicaFile.maxLineBytes) bytes"))
                    } else {
                        switch ReplicaLineCodec.read(bytes) {
                        case .message(let m):
                            flushBad()
                            report.goodEnd = bufStart + end + 1
                            report.lines += 1
                            body(bufStart + start, end + 1 - start, bytes, m)
                        case .implausible(_, let why):
                            flushBad()
                            report.goodEnd = bufStart + end + 1
                            report.implausible += 1
                            report.warnings.append("replica line \(lineNo) skipped: \(why); no honest node writes that")
                        case .later(let what):
                            flushBad()
                            report.goodEnd = bufStart + end + 1
                            report.later += 1
                            if report.firstLater == nil { report.firstLater = (lineNo, what) }
                            kept(bufStart + start, end + 1 - start, bytes)
                        case .invalid:
                            badSinceGood.append((lineNo, end == start ? "empty line" : "not a valid message"))
                        }
                    }
                }
            }
            // Keep the partial line; a line that fills the buffer is too long.
            if start > 0 {
                buf.withUnsafeMutableBufferPointer { b in
                    _ = memmove(b.baseAddress!, b.baseAddress! + start, have - start)
                }
                have -= start
                bufStart += start
            } else if have == buf.count {
                if buf.count <= ReplicaFile.maxLineBytes {
                    buf += [UInt8](repeating: 0, count: buf.count)
                } else {
                    if !discarding {
                        lineNo += 1
                        badSinceGood.append((lineNo, "line longer than \(ReplicaFile.maxLineBytes) bytes"))
                        discarding = true
                    }
                    bufStart += have
                    have = 0
                }
            }
            if eof, start == 0 || have == 0 {
                if have > 0, !discarding {
                    lineNo += 1
                    badSinceGood.append((lineNo, "torn: no newline"))
                }
                break
            }
        }

        let fileEnd = filePos
        if let w = Report.laterWarning(count: report.later, first: report.firstLater) { report.warnings.append(w) }
        if !badSinceGood.isEmpty {
            let lines = badSinceGood.map { "\($0.line) (\($0.reason))" }.joined(separator: ", ")
            if repair {
                do throws(SystemError) {
                    try ReplicaFile.cut(path, at: report.goodEnd)
                    report.warnings.append("replica: cut \(fileEnd - report.goodEnd) bytes at the end (kept in \(ReplicaFile.brokenPath(for: path))): line \(lines)")
                } catch {
                    report.warnings.append("replica: could not cut the bad end (line \(lines)): \(error)")
                }
            } else {
                report.warnings.append("replica: \(fileEnd - report.goodEnd) bad bytes at the end (left in place): line \(lines)")
            }
        }
        return report
    }
}
