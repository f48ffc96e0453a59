import Foundation
import RingChatCore
import RingChatIO

/// known_peers.json in the state dir: the identity keys this node has seen
/// (`KnownPeers`, trust on first use). Loaded at start; saved on a thread
/// of its own, latest version only, so that the loop never waits for the
/// disk. Holds public keys and nicks, nothing secret.
public final class KnownPeersFile: @unchecked Sendable {
    public static let name = "known_peers.json"

    private let path: String
    private let dir: String
    private let queue = JobQueue<[UInt8]>()
    private let done = Monitor()
    private var running = true  // guarded by `done`
    private var lastError: String?  // guarded by `done`

    /// Opens the file in `dir` and starts its writer thread. A missing file
    /// is an empty list; an unreadable one is an empty list and a warning
    /// (keys are learnt again on first use; nothing else depends on it).
    public init(directory dir: String) {
        self.dir = dir
        path = dir + "/" + Self.name
        let me = UncheckedBox(self)
        if case .failure = WorkerThread.start({ me.value.run() }) {
            done.withLock { running = false }
        }
    }

    public func load() -> (peers: KnownPeers, warning: String?) {
        let bytes: [UInt8]?
        do throws(SystemError) { bytes = try FileIO.read(path, limit: 4 << 20) } catch {
            return (KnownPeers(), "cannot read \(path): \(error); peers' keys are learnt again")
        }
        guard let bytes else { return (KnownPeers(), nil) }
        guard let rows = try? StateJSON.decode([Row].self, from: bytes) else {
            return (KnownPeers(), "\(path) is corrupt; peers' keys are learnt again")
        }
        var entries: [NodeID: KnownPeers.Entry] = [:]
        for r in rows {
            guard let id = NodeID(hex: r.node), let key = Data(base64Encoded: r.key), key.count == WireLimits.identityKeyBytes
            else { continue }
            entries[id] = .init(nick: r.nick, key: Array(key), firstSeen: r.firstSeen, lastSeen: r.lastSeen,
                                previousKey: r.previousKey.flatMap { Data(base64Encoded: $0) }.map { Array($0) },
                                changedAt: r.changedAt)
        }
        return (KnownPeers(entries: entries), nil)
    }

    /// Queues `peers` to be written (replacing any version not yet written).
    public func save(_ peers: KnownPeers) {
        let rows = peers.entries.sorted { $0.key < $1.key }.map { id, e in
            Row(node: id.hex, nick: e.nick, key: Data(e.key).base64EncodedString(), firstSeen: e.firstSeen,
                lastSeen: e.lastSeen, previousKey: e.previousKey.map { Data($0).base64EncodedString() }, changedAt: e.changedAt)
        }
        guard let bytes = try? StateJSON.encode(rows) else { return }
        queue.append(bytes + [UInt8(ascii: "\n")])
    }

    /// The last write's failure, if any (for the host's warnings).
    public var writeError: String? { done.withLock { lastError } }

    /// Writes what is queued, then stops the thread.
    public func close() {
        queue.close()
        done.withLock { while running { done.wait() } }
    }

    private func run() {
        while true {
            let (jobs, closing) = queue.take()
            if let latest = jobs.last {
                do throws(SystemError) {
                    try FileIO.replaceAtomically(path, in: dir, with: latest)
                    done.withLock { lastError = nil }
                } catch {
                    done.withLock { lastError = "cannot write \(path): \(error)" }
                }
            }
            if closing { break }
        }
        done.withLock {
            running = false
            done.broadcast()
        }
    }

    private struct Row: Codable {
        var node: String
        var nick: String
        var key: String
        var firstSeen: Int64
        var lastSeen: Int64
        var previousKey: String?
        var changedAt: Int64?
    }
}

/// Carries a reference into the writer thread's closure.
private struct UncheckedBox<T: AnyObject>: @unchecked Sendable { let value: T; init(_ v: T) { value = v } }
