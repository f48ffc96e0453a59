#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files of a benchmark run: whole reads, its temp dir.
enum BenchFiles {
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func tempDir() throws(BenchError) -> String {
        var template = Array("/tmp/ringchat-bench-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw BenchError("mkdtemp failed") }
        return String(cString: p)
    }

    static func removeTree(_ path: String) {
        guard path.hasPrefix("/tmp/ringchat-bench-"), getenv("RINGCHAT_BENCH_KEEP") == nil else { return }
        ChildProcess.run(["/bin/rm", "-rf", path])
    }
}
