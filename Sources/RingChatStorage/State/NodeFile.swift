import RingChatCore
import RingChatIO

/// node.json: `{"incarnation":N,"nick":"...","node":"<16 hex>"}`, the
/// node's identity across restarts.
public enum NodeFile {
    public struct Contents: Codable, Sendable, Equatable {
        public var node: NodeID
        public var incarnation: UInt32
        public var nick: String

        public init(node: NodeID, incarnation: UInt32, nick: String) {
            self.node = node
            self.incarnation = incarnation
            self.nick = nick
        }
    }

    /// Reads node.json in `dir`; nil if it does not exist.
    public static func read(in dir: String) throws(NodeFileError) -> Contents? {
        let path = dir + "/" + StateDirectory.nodeFile
        let bytes: [UInt8]
        do throws(SystemError) {
            guard let b = try FileIO.read(path, limit: 64 << 10) else { return nil }
            bytes = b
        } catch {
            throw NodeFileError("cannot read \(path): \(error)")
        }
        do {
            return try StateJSON.decode(Contents.self, from: bytes)
        } catch {
            throw NodeFileError("\(path) is corrupt (expected {\"node\":\"<16 hex>\",\"incarnation\":N,\"nick\":\"...\"}); "
                + "refusing to invent a new identity: fix or delete it")
        }
    }

    /// Starts a node: a fresh identity (incarnation 1) if node.json is
    /// missing, else the same id with the incarnation bumped. The new
    /// incarnation is durable before this returns, because message ids embed
    /// it and must never be reused after a crash.
    public static func start(in dir: String, nick: String, randomID: () -> UInt64) throws(NodeFileError) -> (node: NodeID, incarnation: UInt32) {
        var contents: Contents
        if var old = try read(in: dir) {
            guard old.incarnation < UInt32.max else {
                throw NodeFileError("incarnation counter in \(dir)/\(StateDirectory.nodeFile) is exhausted")
            }
            old.incarnation += 1
            old.nick = nick
            contents = old
        } else {
            contents = Contents(node: NodeID(randomID()), incarnation: 1, nick: nick)
        }
        do {
            let bytes = try StateJSON.encode(contents) + [UInt8(ascii: "\n")]
            try FileIO.replaceAtomically(dir + "/" + StateDirectory.nodeFile, in: dir, with: bytes)
        } catch {
            throw NodeFileError("cannot write \(dir)/\(StateDirectory.nodeFile): \(error)")
        }
        return (contents.node, contents.incarnation)
    }
}

/// node.json cannot be read or written, with a message fit for the user.
public struct NodeFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
