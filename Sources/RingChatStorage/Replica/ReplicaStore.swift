#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO

/// The node's `HistoryStore` on disk: the index says where a line is, one
/// `pread` fetches it. Used on the loop thread only (reads are bounded by
/// the callers' limits: a reconcile answer, a page of the screen).
public final class ReplicaStore: HistoryStore {
    let index: ReplicaIndex
    private let fd: Int32
    public let replicaPath: String

    init(replicaPath: String, indexPath: String) throws {
        self.replicaPath = replicaPath
        index = try ReplicaIndex(path: indexPath, writable: false)
        fd = open(replicaPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            index.close()
            throw SystemError("open", context: replicaPath)
        }
    }

    /// Opens the store of a state directory (its index must exist: a
    /// started node has built it).
    public convenience init(directory: StateDirectory) throws {
        try self.init(replicaPath: directory.replicaPath, indexPath: directory.indexPath)
    }

    deinit {
        close(fd)
        index.close()
    }

    /// The lines, decoded, in the same order (unreadable ones are left out).
    func read(_ lines: [RunLine]) -> [ChatMessage] {
        var out: [ChatMessage] = []
        out.reserveCapacity(lines.count)
        for l in lines {
            guard let run = self.lines(of: l.run) else { continue }
            let r = run.lines[l.k]
            let m = run.bytes.withUnsafeBufferPointer { ReplicaLineCodec.decode(UnsafeBufferPointer(rebasing: $0[r.lowerBound..<(r.upperBound - 1)])) }
            if let m { out.append(m) }
        }
        return out
    }

    /// The raw bytes of one line, with its newline; nil if unreadable.
    func bytes(_ line: RunLine) -> [UInt8]? {
        guard let run = lines(of: line.run) else { return nil }
        return Array(run.bytes[run.lines[line.k]])
    }

    /// A run's bytes and where its lines are in them (each with its
    /// newline); nil if the file does not hold `run.count` lines there.
    /// The last few runs read are kept: a page or a cursor reads the lines
    /// of one run in a row.
    private func lines(of run: ReplicaRun) -> (bytes: [UInt8], lines: [Range<Int>])? {
        if let hit = recent.first(where: { $0.offset == run.offset && $0.bytes.count == run.length }) { return (hit.bytes, hit.lines) }
        guard run.length > 1 else { return nil }
        var buf = [UInt8](repeating: 0, count: run.length)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, run.length, off_t(run.offset)) }
        guard n == run.length, buf[run.length - 1] == 0x0A else { return nil }
        var lines: [Range<Int>] = []
        lines.reserveCapacity(run.count)
        buf.withUnsafeBufferPointer { b in
            var start = 0
            for i in 0..<b.count where b[i] == 0x0A {
                lines.append(start..<(i + 1))
                start = i + 1
            }
        }
        // An empty line is not a message: the file is not the indexed one.
        guard lines.count == run.count, !lines.contains(where: { $0.count < 2 }) else { return nil }
        recent[nextRecent] = Recent(offset: run.offset, bytes: buf, lines: lines)
        nextRecent = (nextRecent + 1) % recent.count
        return (buf, lines)
    }

    private struct Recent {
        var offset: Int
        var bytes: [UInt8]
        var lines: [Range<Int>]
    }
    private var recent = [Recent](repeating: Recent(offset: -1, bytes: [], lines: []), count: 4)
    private var nextRecent = 0

    /// A raw line (with its newline) decoded.
    static func decode(_ line: [UInt8]) -> ChatMessage? {
        line.withUnsafeBufferPointer { ReplicaLineCodec.decode(UnsafeBufferPointer(rebasing: $0.dropLast())) }
    }

    public func messages(of s: StreamID, counters: ClosedRange<UInt32>, limit: Int) -> [ChatMessage] {
        read(index.lines(of: s, counters: counters, limit: limit))
    }

    public func message(at slot: Slot) -> ChatMessage? {
        index.line(at: slot).flatMap { read([$0]).first }
    }

    public func page(before slot: Slot?, limit: Int) -> [ChatMessage] {
        read(index.lines(before: slot, limit: limit).reversed())
    }

    public func page(after slot: Slot, limit: Int) -> [ChatMessage] {
        read(index.lines(after: slot, limit: limit))
    }
}
