#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatStorage

/// What the fuzzers feed: every reader of bytes a peer or a damaged disk
/// can hand to RingChat. Each target must return for any input; a trap, a
/// hang or a broken promise (a packet that decodes but re-encodes to other
/// bytes) is a bug. Run by the libFuzzer build of `ringchat-fuzz` and, on
/// a bounded budget, by `FuzzTests` on every CI run (docs/SECURITY.md).
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The packet decoder, behind the group key's envelope.
    case wire
    /// A checkpoint file.
    case checkpoint
    /// A replica file.
    case replica

    public func run(_ bytes: [UInt8]) {
        switch self {
        case .wire: Self.wire(bytes)
        case .checkpoint: _ = try? CheckpointStore.decode(bytes)
        case .replica: Self.replica(bytes)
        }
    }

    static func wire(_ bytes: [UInt8]) {
        if let p = try? WireCodec.decode(bytes) {
            // One encoding per packet: nothing a peer sends is read two ways.
            precondition(WireCodec.encode(p) == bytes, "decoded, but re-encodes to other bytes")
        }
        if case .success(let plain) = keyedSeal.open(bytes), plain != bytes {
            _ = try? WireCodec.decode(plain)
        }
    }

    /// The replica reader works on files: the input goes to one in /dev/shm
    /// (memory), read without repair.
    static func replica(_ bytes: [UInt8]) {
        let path = scratchFile
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let (messages, _) = ReplicaFile.load(from: path, repair: false)
        precondition(messages.count <= bytes.count, "more messages than bytes")
        // The fast parser only ever takes a shortcut: a line it reads, the
        // JSON decoder reads the same (a line read two ways would be a
        // different message on a restart than in a catch-up).
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            Array(line).withUnsafeBufferPointer { b in
                if let fast = ReplicaLineCodec.parse(b) {
                    precondition(ReplicaLineCodec.decodeWithJSONDecoder(b) == fast, "the fast parser and the JSON decoder disagree")
                }
            }
        }
    }

    nonisolated(unsafe) static let keyedSeal = PacketSeal(key: try! GroupKey(bytes: Array(repeating: 7, count: 32)))
    static let scratchFile: String = {
        let dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        return "\(dir)/ringchat-fuzz-\(getpid()).jsonl"
    }()
}
