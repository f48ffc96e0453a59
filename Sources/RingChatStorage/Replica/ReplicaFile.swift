#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO

/// The replica on disk: replica.jsonl, one `ChatMessage` a line, only ever
/// appended to. JSON Lines rather than one JSON array so that adding a
/// message costs one write, not a rewrite of the whole history.
public enum ReplicaFile {
    /// A line longer than this is damage (a chat line is far shorter).
    public static let maxLineBytes = 1 << 20
    /// Whole-file cap when loading.
    public static let maxFileBytes = 1 << 30

    /// One message as a replica line (`ReplicaLineCodec`, which owns the
    /// format).
    public static func line(for message: ChatMessage) -> [UInt8] {
        ReplicaLineCodec.line(for: message)
    }

    /// The same line appended to a batch buffer, as the disk writer does
    /// (public for the micro-benchmarks in Benchmarks/).
    public static func appendLine(for message: ChatMessage, to bytes: inout [UInt8]) {
        ReplicaLineCodec.append(message, to: &bytes)
    }

    /// Where lines no honest node could have written are moved:
    /// `replica.jsonl.broken` next to the replica, only ever appended to.
    public static func brokenPath(for path: String) -> String { path + ".broken" }

    /// Reads the replica. A missing file is an empty replica. Trailing bad
    /// lines (a line torn by a crash: no newline, or not valid JSON) are cut
    /// from the file so that the next append starts on a clean line; a bad
    /// line in the middle is skipped and left in place, and so is a line of
    /// a later version (one warning for all of them). A well-formed line
    /// holding a value no honest node could have written
    /// (`StoredStateValidator`: an epoch of 2^64-1, a seq of 0...) is
    /// skipped and moved to `replica.jsonl.broken`, so that it can neither
    /// crash this start nor any later one, and nothing is deleted. Each
    /// repair or skip is reported in `warnings`. With `repair: false` the
    /// file is left untouched (an offline report must not change a node's
    /// files).
    ///
    /// This holds the file in memory: for tests, small files, and the rare
    /// repair of implausible lines. A node streams its replica with
    /// `ReplicaScanner` instead.
    public static func load(from path: String, repair: Bool = true) -> (messages: [ChatMessage], warnings: [String]) {
        let bytes: [UInt8]
        do throws(SystemError) {
            guard let b = try FileIO.read(path, limit: maxFileBytes) else { return ([], []) }
            bytes = b
        } catch {
            return ([], ["replica \(path) could not be read, starting empty: \(error)"])
        }

        var messages: [ChatMessage] = []
        var warnings: [String] = []
        var badSinceGood: [(line: Int, reason: String)] = []
        var implausible: [(line: Int, reason: String, bytes: Range<Int>)] = []
        var goodEnd = 0   // byte offset just past the last good line
        var later = 0     // lines of a later version: kept, not read
        var firstLater: (line: Int, what: String)?
        var start = 0
        var lineNo = 0
        while start < bytes.count {
            lineNo += 1
            let nl = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
            let end = nl ?? bytes.count
            let next = nl.map { $0 + 1 } ?? bytes.count
            defer { start = next }
            if nl == nil {
                badSinceGood.append((lineNo, "torn: no newline"))
                continue
            }
            if end - start > maxLineBytes {
                badSinceGood.append((lineNo, "line longer than \(maxLineBytes) bytes"))
                continue
            }
            let reading = bytes.withUnsafeBufferPointer { ReplicaLineCodec.read(UnsafeBufferPointer(rebasing: $0[start..<end])) }
            if case .invalid = reading {
                badSinceGood.append((lineNo, end == start ? "empty line" : "not a valid message"))
                continue
            }
            for bad in badSinceGood {
                warnings.append("replica line \(bad.line) skipped: \(bad.reason)")
            }
            badSinceGood = []
            goodEnd = next
            switch reading {
            case .message(let m): messages.append(m)
            case .implausible(_, let why): implausible.append((lineNo, "\(why)", start..<next))
            case .later(let what):
                later += 1
                if firstLater == nil { firstLater = (lineNo, what) }
            case .invalid: break
            }
        }

        if let w = ReplicaScanner.Report.laterWarning(count: later, first: firstLater) { warnings.append(w) }
        let badTail = badSinceGood.map { "\($0.line) (\($0.reason))" }.joined(separator: ", ")
        var tailCut = false
        if !implausible.isEmpty {
            let keptEnd = badSinceGood.isEmpty ? bytes.count : goodEnd
            var moved = false
            if repair {
                do throws(SystemError) {
                    try setAside(implausible.map(\.bytes), of: bytes, keepingUpTo: keptEnd, path: path)
                    moved = true
                    tailCut = !badSinceGood.isEmpty
                } catch {
                    warnings.append("replica: could not move \(implausible.count) implausible lines aside (\(error)); they are skipped")
                }
            }
            for bad in implausible {
                let fate = moved ? "moved to \(brokenPath(for: path))" : "skipped (left in place)"
                warnings.append("replica line \(bad.line) \(fate): \(bad.reason); no honest node writes that")
            }
        }

        if !badSinceGood.isEmpty {
            guard repair else {
                warnings.append("replica: \(bytes.count - goodEnd) bad bytes at the end (left in place): line \(badTail)")
                return (messages, warnings)
            }
            do throws(SystemError) {
                if !tailCut { try cut(path, at: goodEnd) }
                warnings.append("replica: cut \(bytes.count - goodEnd) bytes at the end: line \(badTail)")
            } catch {
                warnings.append("replica: could not cut the bad end (line \(badTail)): \(error)")
            }
        }
        return (messages, warnings)
    }

    /// Appends the `lines` of `bytes` to the .broken file (durably), then
    /// replaces the replica with the rest of `bytes[..<end]`, atomically: a
    /// crash in between leaves the lines in both files, never in neither.
    private static func setAside(_ lines: [Range<Int>], of bytes: [UInt8], keepingUpTo end: Int,
                                 path: String) throws(SystemError) {
        var broken: [UInt8] = []
        var kept: [UInt8] = []
        kept.reserveCapacity(end)
        var at = 0
        for r in lines {
            kept += bytes[at..<r.lowerBound]
            broken += bytes[r]
            at = r.upperBound
        }
        kept += bytes[at..<max(at, end)]
        let dir = directory(of: path)
        try FileIO.appendDurably(brokenPath(for: path), broken, in: dir)
        try FileIO.replaceAtomically(path, in: dir, with: kept)
    }

    static func directory(of path: String) -> String {
        let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        return dir.isEmpty ? "/" : dir
    }

    /// Replaces the whole replica with `messages`, one line each, atomically
    /// (temp file, fsync, rename, fsync of the folder). For the offline
    /// reconciler only: a running node appends to the file it has open.
    public static func rewrite(_ path: String, with messages: [ChatMessage]) throws(SystemError) {
        var bytes: [UInt8] = []
        for m in messages { bytes += line(for: m) }
        try FileIO.replaceAtomically(path, in: directory(of: path), with: bytes)
    }

    /// Truncates to `length` and makes it durable, so a later append cannot
    /// land after the torn bytes.
    static func cut(_ path: String, at length: Int) throws(SystemError) {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", context: path) }
        defer { close(fd) }
        // The bytes cut off go to the .broken file first (durably): a torn
        // line is almost always garbage, but nothing is ever deleted.
        var aside: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var at = off_t(length)
        while true {
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, at) }
            guard n > 0 else { break }
            aside += buf[0..<n]
            at += off_t(n)
        }
        if !aside.isEmpty { try FileIO.appendDurably(brokenPath(for: path), aside, in: directory(of: path)) }
        guard ftruncate(fd, off_t(length)) == 0 else { throw SystemError("ftruncate", context: path) }
        try FileIO.fsync(fd, path: path)
    }
}
