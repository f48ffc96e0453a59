import Foundation
import Glibc
import RingChatCore
import Testing

extension EndToEnd {
    /// `--nick` refuses what `NickRule` refuses, with the same error as
    /// `/nick` in the TUI and in headless mode, before anything starts:
    /// the process exits with a usage error and no state dir is created.
    @Suite struct Nicks {
        @Test(arguments: [["chat", "--headless"], ["server"]], ["al ice", "a\u{1B}b", "/alice", String(repeating: "n", count: 33)])
        func refusedNickStopsTheStart(command: [String], nick: String) throws {
            var template = Array("/tmp/ringchat-e2e-nick-XXXXXX".utf8CString)
            let root = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
            defer { try? FileManager.default.removeItem(atPath: root) }
            let dir = root + "/state"
            let ch = try Child([ringchatBinary] + command + ["--nick", nick, "--state-dir", dir, "--group", "239.1.2.3:45678",
                                                            "--interface", "127.0.0.1"],
                               stdout: root + "/out", stderr: root + "/err", stdin: false)
            #expect(ch.wait(timeout: 20), "ringchat did not stop")
            ch.kill()
            #expect(ch.exitCode == 64, "exit \(String(describing: ch.exitCode)): \(ch.stderrText())")
            #expect(ch.stderrText().contains(NickRule.refusal(nick)!), "\(ch.stderrText())")
            #expect(access(dir, F_OK) != 0, "a state dir was created for a refused nick")
        }
    }
}
