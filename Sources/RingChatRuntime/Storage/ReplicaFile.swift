#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore

/// The replica on disk: replica.jsonl, one `ChatMessage` a line, only ever
/// appended to. JSON Lines rather than one JSON array so that adding a
/// message costs one write, not a rewrite of the whole history.
public enum ReplicaFile {
    /// A line longer than this is damage (a chat line is far shorter).
    public static let maxLineBytes = 1 << 20
    /// Whole-file cap when loading.
    public static let maxFileBytes = 1 << 30

    /// One message as a replica line: sorted-key JSON plus "\n".
    public static func line(for message: ChatMessage) -> [UInt8] {
        // ChatMessage's fields are strings and integers: encoding cannot fail.
        var bytes = (try? StateJSON.encode(message)) ?? []
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// Reads the replica. A missing file is an empty replica. Trailing bad
    /// lines (a line torn by a crash: no newline, or not valid JSON) are cut
    /// from the file so that the next append starts on a clean line; a bad
    /// line in the middle is skipped and left in place. Each repair or skip
    /// is reported in `warnings`. With `repair: false` the file is left
    /// untouched (an offline report must not change a node's files).
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
        var goodEnd = 0   // byte offset just past the last good line
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
            do {
                messages.append(try StateJSON.decode(ChatMessage.self, from: bytes[start..<end]))
                for bad in badSinceGood {
                    warnings.append("replica line \(bad.line) skipped: \(bad.reason)")
                }
                badSinceGood = []
                goodEnd = next
            } catch {
                badSinceGood.append((lineNo, end == start ? "empty line" : "not a valid message"))
            }
        }

        if !badSinceGood.isEmpty {
            let lines = badSinceGood.map { "\($0.line) (\($0.reason))" }.joined(separator: ", ")
            guard repair else {
                warnings.append("replica: \(bytes.count - goodEnd) bad bytes at the end (left in place): line \(lines)")
                return (messages, warnings)
            }
            do throws(SystemError) {
                try cut(path, at: goodEnd)
                warnings.append("replica: cut \(bytes.count - goodEnd) bytes at the end: line \(lines)")
            } catch {
                warnings.append("replica: could not cut the bad end (line \(lines)): \(error)")
            }
        }
        return (messages, warnings)
    }

    /// Replaces the whole replica with `messages`, one line each, atomically
    /// (temp file, fsync, rename, fsync of the folder). For the offline
    /// reconciler only: a running node appends to the file it has open.
    public static func rewrite(_ path: String, with messages: [ChatMessage]) throws(SystemError) {
        var bytes: [UInt8] = []
        for m in messages { bytes += line(for: m) }
        let dir = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        try FileIO.replaceAtomically(path, in: dir.isEmpty ? "/" : dir, with: bytes)
    }

    /// Truncates to `length` and makes it durable, so a later append cannot
    /// land after the torn bytes.
    private static func cut(_ path: String, at length: Int) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", context: path) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(length)) == 0 else { throw SystemError("ftruncate", context: path) }
        try FileIO.fsync(fd, path: path)
    }
}
