#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatIO

/// The few POSIX file operations the state dir needs, with errors that name
/// the call and the path.
package enum FileIO {
    /// The whole file, nil if it does not exist; refuses files above `limit`
    /// bytes (a state file that large is damage, not data).
    package static func read(_ path: String, limit: Int) throws(SystemError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SystemError("open", context: path)
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw SystemError("fstat", context: path) }
        guard Int(st.st_size) <= limit else {
            throw SystemError("read", code: EFBIG, context: "\(path) is \(st.st_size) bytes, limit \(limit)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(Int(st.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("read", context: path)
            }
            if n == 0 { break }
            out += chunk[0..<n]
            guard out.count <= limit else { throw SystemError("read", code: EFBIG, context: path) }
        }
        return out
    }

    /// Writes all of `bytes` at the descriptor's position, retrying short writes.
    package static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SystemError("write", context: path)
            }
            done += n
        }
    }

    static func fsync(_ fd: Int32, path: String) throws(SystemError) {
        guard Glibc.fsync(fd) == 0 else { throw SystemError("fsync", context: path) }
    }

    /// Makes a rename or a file creation in `dir` durable.
    static func fsyncDirectory(_ dir: String, sync: (Int32, String) throws(SystemError) -> Void) throws(SystemError) {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", context: dir) }
        defer { close(fd) }
        try sync(fd, dir)
    }

    /// Writes `path.tmp`, fsyncs it and closes it: the first half of an
    /// atomic replace. Returns the temp path. A temp file that could not be
    /// written is removed (on a full disk it would hold space the replica
    /// needs).
    static func writeTemp(_ path: String, _ bytes: [UInt8], sync: (Int32, String) throws(SystemError) -> Void) throws(SystemError) -> String {
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("open", context: tmp) }
        do throws(SystemError) {
            try writeAll(fd, bytes, path: tmp)
            try sync(fd, tmp)
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        guard close(fd) == 0 else { throw SystemError("close", context: tmp) }
        return tmp
    }

    static func rename(_ from: String, _ to: String) throws(SystemError) {
        guard Glibc.rename(from, to) == 0 else { throw SystemError("rename", context: "\(from) -> \(to)") }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Replaces `path` with `bytes` so that a crash leaves either the old or
    /// the new file, never a mix: temp, fsync, rename, fsync the directory.
    static func replaceAtomically(_ path: String, in dir: String, with bytes: [UInt8],
                                  sync: (Int32, String) throws(SystemError) -> Void = FileIO.fsync) throws(SystemError) {
        let tmp = try writeTemp(path, bytes, sync: sync)
        try rename(tmp, path)
        try fsyncDirectory(dir, sync: sync)
    }

    /// Appends `bytes` to `path` (created with mode 0600 if missing) and
    /// makes them durable, the file's directory entry included.
    static func appendDurably(_ path: String, _ bytes: [UInt8], in dir: String) throws(SystemError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("open", context: path) }
        do throws(SystemError) {
            try writeAll(fd, bytes, path: path)
            try fsync(fd, path: path)
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw SystemError("close", context: path) }
        try fsyncDirectory(dir, sync: fsync)
    }

    /// Replaces `path` with a copy of `source`, atomically (as
    /// `replaceAtomically`), in 1 MiB chunks.
    static func copyAtomically(_ source: String, to path: String, in dir: String) throws(SystemError) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw SystemError("open", context: source) }
        defer { close(input) }
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SystemError("open", context: tmp) }
        do throws(SystemError) {
            var buf = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = buf.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
                if n < 0 { if errno == EINTR { continue }; throw SystemError("read", context: source) }
                if n == 0 { break }
                try writeAll(fd, Array(buf[0..<n]), path: tmp)
            }
            try fsync(fd, path: tmp)
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw SystemError("close", context: tmp) }
        try rename(tmp, path)
        try fsyncDirectory(dir, sync: FileIO.fsync)
    }

    static func hex16(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
