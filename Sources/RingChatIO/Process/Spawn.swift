#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place that starts a child process (posix_spawn), for the
/// benchmarks and the end-to-end tests: each standard stream from a
/// descriptor, a file or /dev/null; default signal handling and nothing
/// blocked, whatever the parent did to its own.
public enum Spawn {
    /// Where one of the child's standard streams goes.
    public enum Stream: Sendable {
        case null
        /// Duplicated onto the stream (the caller closes its copy).
        case fd(Int32)
        /// Read (stdin) or created and truncated (stdout, stderr).
        case file(String)
    }

    /// Returns the child's pid, or the posix_spawn error code.
    /// `environment` nil: the parent's.
    public static func start(_ argv: [String], stdin: Stream = .null, stdout: Stream, stderr: Stream,
                             environment: [String]? = nil) -> Result<pid_t, SpawnError> {
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        for (target, stream) in [(Int32(0), stdin), (1, stdout), (2, stderr)] {
            switch stream {
            case .null: posix_spawn_file_actions_addopen(&fa, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case .fd(let fd): posix_spawn_file_actions_adddup2(&fa, fd, target)
            case .file(let path):
                posix_spawn_file_actions_addopen(&fa, target, path, target == 0 ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            }
        }
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

    /// stdin from a descriptor (or /dev/null), stdout and stderr to files.
    public static func start(_ argv: [String], stdinFD: Int32?, stdout: String, stderr: String,
                             environment: [String]? = nil) -> Result<pid_t, SpawnError> {
        start(argv, stdin: stdinFD.map { .fd($0) } ?? .null, stdout: .file(stdout), stderr: .file(stderr),
              environment: environment)
    }
}

public struct SpawnError: Error, CustomStringConvertible {
    public let code: Int32
    public let program: String
    public var description: String { "posix_spawn \(program): \(String(cString: strerror(code)))" }
}
