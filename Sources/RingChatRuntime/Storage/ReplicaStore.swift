#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore

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

    /// The lines at `locations`, decoded, in the same order (unreadable
    /// ones are left out).
    func read(_ locations: [ReplicaIndex.Location]) -> [ChatMessage] {
        var out: [ChatMessage] = []
        out.reserveCapacity(locations.count)
        var buf: [UInt8] = []
        for loc in locations where loc.length > 1 {
            if buf.count < loc.length { buf = [UInt8](repeating: 0, count: max(loc.length, 4_096)) }
            let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, loc.length, off_t(loc.offset)) }
            guard n == loc.length, buf[loc.length - 1] == 0x0A else { continue }
            let m = buf.withUnsafeBufferPointer { ReplicaFile.decode(UnsafeBufferPointer(rebasing: $0[0..<(loc.length - 1)])) }
            if let m { out.append(m) }
        }
        return out
    }

    /// The raw bytes of one line, with its newline; nil if unreadable.
    func bytes(_ loc: ReplicaIndex.Location) -> [UInt8]? {
        guard loc.length > 1 else { return nil }
        var buf = [UInt8](repeating: 0, count: loc.length)
        let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, loc.length, off_t(loc.offset)) }
        guard n == loc.length, buf[loc.length - 1] == 0x0A else { return nil }
        return buf
    }

    /// A raw line (with its newline) decoded.
    static func decode(_ line: [UInt8]) -> ChatMessage? {
        line.withUnsafeBufferPointer { ReplicaFile.decode(UnsafeBufferPointer(rebasing: $0.dropLast())) }
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
