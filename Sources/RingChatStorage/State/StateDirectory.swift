#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatIO

/// One node's state directory: node.json, replica.jsonl, checkpoint.json,
/// checkpoint.prev.json, and the derived replica.index.sqlite.
public struct StateDirectory: Sendable, Equatable {
    public static let nodeFile = "node.json"
    public static let replicaFile = "replica.jsonl"
    public static let checkpointFile = "checkpoint.json"
    public static let previousCheckpointFile = "checkpoint.prev.json"
    /// Derived from the replica; rebuilt when missing or stale.
    public static let indexFile = "replica.index.sqlite"

    public let path: String

    public var nodePath: String { path + "/" + Self.nodeFile }
    public var replicaPath: String { path + "/" + Self.replicaFile }
    public var checkpointPath: String { path + "/" + Self.checkpointFile }
    public var previousCheckpointPath: String { path + "/" + Self.previousCheckpointFile }
    public var indexPath: String { path + "/" + Self.indexFile }

    /// Uses `path` as is; call `create()` before writing into it.
    public init(path: String) {
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// `$XDG_STATE_HOME/ringchat/<nick>`, else `~/.local/state/ringchat/<nick>`.
    /// `environment` defaults to the process environment.
    public static func defaultPath(nick: String, environment: [String: String]? = nil) throws(StateDirectoryError) -> String {
        let env: (String) -> String? = { key in
            if let e = environment { return e[key] }
            return getenv(key).map { String(cString: $0) }
        }
        let component = pathComponent(forNick: nick)
        // The XDG spec says a relative value is invalid and must be ignored.
        if let x = env("XDG_STATE_HOME"), x.hasPrefix("/") {
            return x + "/ringchat/" + component
        }
        guard let home = env("HOME"), home.hasPrefix("/") else {
            throw StateDirectoryError("neither XDG_STATE_HOME nor HOME is set to an absolute path; pass --state-dir")
        }
        return home + "/.local/state/ringchat/" + component
    }

    /// A nick as one safe directory name: no separators, no `..`, no hidden
    /// or empty names. Letters of any script are kept.
    public static func pathComponent(forNick nick: String) -> String {
        var s = String(nick.prefix(64).map { c -> Character in
            (c.isLetter || c.isNumber || c == "-" || c == "_" || c == ".") ? c : "_"
        })
        if s.isEmpty || s.hasPrefix(".") { s = "_" + s }
        return s
    }

    /// Creates the directory with its parents (mode 0700: chat history is
    /// private) and checks that it is a writable directory.
    @discardableResult
    public func create() throws(StateDirectoryError) -> StateDirectory {
        guard !path.isEmpty else { throw StateDirectoryError("state directory path is empty") }
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw StateDirectoryError("cannot create state directory \(path): \(SystemError("mkdir", context: prefix))")
            }
        }
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw StateDirectoryError("cannot use state directory \(path): \(SystemError("stat", context: path))")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            throw StateDirectoryError("state directory \(path) exists but is not a directory")
        }
        guard access(path, W_OK | X_OK) == 0 else {
            throw StateDirectoryError("state directory \(path) is not writable: \(errnoText(errno))")
        }
        return self
    }
}

/// The state directory cannot be used, with a message fit for the user.
public struct StateDirectoryError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    /// The directory is locked by a running node (`StateLock`): each
    /// caller says what to do about it (a second node: another dir;
    /// `reconcile --write`: stop the node first).
    public var heldByAnother = false
    public init(_ message: String, heldByAnother: Bool = false) {
        self.message = message
        self.heldByAnother = heldByAnother
    }
    public var description: String { message }
}

extension StateDirectory {
    /// Whether `path` names an existing directory.
    public static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
