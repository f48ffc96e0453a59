import Foundation
import Glibc

/// The repository's root (this file is Tests/EndToEndTests/Support/Scripts.swift).
let repositoryRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.path
}()

/// Runs a repository script (or any command) to completion with extra
/// environment variables; its exit status, stdout and stderr. The limit
/// only catches a script that hangs: it is killed (by pid) and reported.
func runScript(_ argv: [String], env: [String: String] = [:], in dir: String, timeout: Double = 120) throws
    -> (code: Int32, out: String, err: String) {
    let tag = UInt64.random(in: 0...UInt64.max)
    let out = dir + "/script-\(tag).out", err = dir + "/script-\(tag).err"
    defer { unlink(out); unlink(err) }
    let assignments = env.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    let c = try Child(["/usr/bin/env"] + assignments + argv, stdout: out, stderr: err, stdin: false)
    guard c.wait(timeout: timeout * patience) else {
        c.kill()
        throw E2EError("\(argv.joined(separator: " ")) did not finish within \(timeout * patience) s: \(c.stderrText())")
    }
    let text = { (p: String) in (try? String(contentsOfFile: p, encoding: .utf8)) ?? "" }
    return (c.exitCode ?? -1, text(out), text(err))
}

/// WORD as one word of a POSIX shell command string (tmux and `bash -c` run
/// such strings), whatever it holds: the checkout may live at a path with
/// spaces or quotes in it.
func shellQuoted(_ word: String) -> String {
    "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
