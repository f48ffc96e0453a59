import RingChatCore
import RingChatIO

/// checkpoint.json and checkpoint.prev.json in one directory.
///
/// File format: `{"checkpoint":{...},"checksum":"<16 hex>","format":1}`,
/// where the checksum is FNV-1a 64 of the checkpoint's canonical (sorted
/// key) JSON. Keeping the previous file means a checkpoint damaged on disk
/// costs one step of history, not all of it.
public struct CheckpointStore: Sendable {
    public static let format = 1
    /// A checkpoint holds an outbox and a member list: a few KB, not this.
    public static let maxFileBytes = 16 << 20

    public let directory: String

    public init(directory: String) { self.directory = directory }

    public var currentPath: String { directory + "/" + StateDirectory.checkpointFile }
    public var previousPath: String { directory + "/" + StateDirectory.previousCheckpointFile }

    struct Envelope: Codable {
        var format: Int
        var checksum: String
        var checkpoint: Checkpoint
    }

    /// The checksum as written in the file.
    public static func checksum(of cp: Checkpoint) throws -> String {
        FileIO.hex16(FNV1a.hash(try StateJSON.encode(cp)))
    }

    /// The bytes of a checkpoint file for `cp`.
    public static func encode(_ cp: Checkpoint) throws -> [UInt8] {
        try StateJSON.encode(Envelope(format: format, checksum: checksum(of: cp), checkpoint: cp))
    }

    /// Parses a checkpoint file, checking format and checksum.
    public static func decode(_ bytes: [UInt8]) throws(CheckpointFileError) -> Checkpoint {
        let env: Envelope
        do { env = try StateJSON.decode(Envelope.self, from: bytes) } catch {
            throw CheckpointFileError("not a valid checkpoint file")
        }
        guard env.format == format else { throw CheckpointFileError("unsupported format \(env.format)") }
        // Re-encoding the decoded value reproduces the canonical bytes only if
        // nothing in the file changed since it was written.
        guard let sum = try? checksum(of: env.checkpoint), sum == env.checksum.lowercased() else {
            throw CheckpointFileError("checksum mismatch")
        }
        return env.checkpoint
    }

    /// Writes `cp` as the new checkpoint.json, keeping the old one as
    /// checkpoint.prev.json. Blocks on fsync: call it on the disk thread.
    ///
    /// Order: temp file + fsync, current -> prev, temp -> current, fsync the
    /// directory. A crash at any point leaves at least one valid checkpoint
    /// that `load` finds.
    public func write(_ cp: Checkpoint) throws {
        try write(cp, sync: FileIO.fsync)
    }

    func write(_ cp: Checkpoint, sync: (Int32, String) throws(SystemError) -> Void) throws {
        let bytes = try Self.encode(cp)
        let tmp = try FileIO.writeTemp(currentPath, bytes, sync: sync)
        if FileIO.exists(currentPath) { try FileIO.rename(currentPath, previousPath) }
        try FileIO.rename(tmp, currentPath)
        try FileIO.fsyncDirectory(directory, sync: sync)
    }

    /// The newest valid checkpoint: checkpoint.json, else (with a warning
    /// saying why) checkpoint.prev.json, else nil. No files at all is a
    /// fresh node: nil without warnings.
    public func load() -> (checkpoint: Checkpoint?, warnings: [String]) {
        let all = loadAll()
        return (all.checkpoints.first, all.warnings)
    }

    /// Every valid checkpoint, newest first (at most two). A checkpoint
    /// with a value no honest node could have written
    /// (`StoredStateValidator`) is unusable like a corrupt one, and with
    /// `repair` it is moved aside to `<name>.broken` (never deleted), so
    /// that the next checkpoint does not rotate it into the previous slot.
    public func loadAll(repair: Bool = true) -> (checkpoints: [Checkpoint], warnings: [String]) {
        var out: [Checkpoint] = []
        var warnings: [String] = []
        let current = readOne(currentPath, repair: repair)
        let previous = readOne(previousPath, repair: repair)
        switch current {
        case .ok(let cp): out.append(cp)
        case .missing:
            if case .ok = previous {
                warnings.append("\(StateDirectory.checkpointFile) is missing; using \(StateDirectory.previousCheckpointFile)")
            }
        case .bad(let why):
            warnings.append("\(StateDirectory.checkpointFile) is unusable (\(why)); falling back to \(StateDirectory.previousCheckpointFile)")
        }
        switch previous {
        case .ok(let cp): out.append(cp)
        case .missing: break
        case .bad(let why): warnings.append("\(StateDirectory.previousCheckpointFile) is unusable (\(why))")
        }
        if out.isEmpty, !warnings.isEmpty { warnings.append("no valid checkpoint: starting from the replica alone") }
        // A crash between the two renames can leave prev newer than nothing;
        // order by number so "newest" means the highest checkpoint.
        return (out.sorted { $0.number > $1.number }, warnings)
    }

    private enum ReadResult { case ok(Checkpoint), missing, bad(String) }

    private func readOne(_ path: String, repair: Bool) -> ReadResult {
        let cp: Checkpoint
        do throws(SystemError) {
            guard let bytes = try FileIO.read(path, limit: Self.maxFileBytes) else { return .missing }
            do throws(CheckpointFileError) { cp = try Self.decode(bytes) } catch { return setAside(path, error.message, repair: repair) }
        } catch {
            return .bad(error.description)
        }
        guard let why = StoredStateValidator.check(cp) else { return .ok(cp) }
        return setAside(path, "\(why); no honest node writes that", repair: repair)
    }

    /// An unusable checkpoint file (torn, flipped bytes, not JSON, values
    /// no honest node writes) is moved aside with `repair`, never deleted,
    /// so that the next checkpoint does not rotate it into the previous
    /// slot and a person can still look at it.
    private func setAside(_ path: String, _ why: String, repair: Bool) -> ReadResult {
        guard repair else { return .bad(why) }
        do throws(SystemError) {
            return .bad("\(why): moved to \(try moveAside(path))")
        } catch {
            return .bad("\(why) (could not move it aside: \(error))")
        }
    }

    /// Renames `path` to the first free `path.broken`, `path.broken.1`...
    private func moveAside(_ path: String) throws(SystemError) -> String {
        var target = path + ".broken"
        var n = 0
        while FileIO.exists(target) {
            n += 1
            target = path + ".broken.\(n)"
        }
        try FileIO.rename(path, target)
        try FileIO.fsyncDirectory(directory, sync: FileIO.fsync)
        return target
    }
}

/// A checkpoint file that cannot be used.
public struct CheckpointFileError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
