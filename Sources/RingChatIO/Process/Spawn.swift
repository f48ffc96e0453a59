#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// posix_spawn as the benchmark and the end-to-end tests use it: stdin
/// from a descriptor (or /dev/null), stdout and stderr to files, default
/// signal handling and nothing blocked whatever the parent did to its own.
public enum Spawn {
    /// Returns the child's pid, or the posix_spawn error code.
    public static func start(_ argv: [String], stdinFD: Int32? = nil, stdout: String, stderr: String,
                             environment: [String]? = nil) -> Result<pid_t, SpawnError> {
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        if let fd = stdinFD {
            posix_spawn_file_actions_adddup2(&fa, fd, 0)
        } else {
            posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        }
        posix_spawn_file_actions_addopen(&fa, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&fa, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var cargv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cenv: [UnsafeMutablePointer<CChar>?] = (environment ?? []).map { strdup($0) } + [nil]
        defer {
            for p in cargv { free(p) }
            for p in cenv { free(p) }
        }
        var pid: pid_t = 0
        let rc = environment == nil
            ? posix_spawn(&pid, argv[0], &fa, &attr, &cargv, environ)
            : posix_spawn(&pid, argv[0], &fa, &attr, &cargv, &cenv)
        return rc == 0 ? .success(pid) : .failure(SpawnError(code: rc, program: argv[0]))
    }
}

public struct SpawnError: Error, CustomStringConvertible {
    public let code: Int32
    public let program: String
    public var description: String { "posix_spawn \(program): \(String(cString: strerror(code)))" }
}
