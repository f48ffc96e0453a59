#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import RingChatIO
import RingChatStorage
import RingChatSession
import RingChatBench

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make a new group key.",
        discussion: """
        Prints a new random 256-bit group key (one line of base64 after a comment \
        line), or writes it to a new file readable by you only. Give the file to \
        every member, over a channel you trust, and start each node with \
        --key-file FILE: the group's packets are then encrypted and authenticated \
        (ChaCha20-Poly1305), and nodes without the key can neither read nor \
        inject. Key files open to other users are refused. See docs/SECURITY.md.
        """
    )

    @Option(name: [.short, .long], help: ArgumentHelp(
        "Write the key to this new file (mode 600) instead of printing it; an existing file is never overwritten.",
        valueName: "file"))
    var output: String?

    func run() throws {
        let key = GroupKey.generate()
        guard let path = output else {
            print(key.fileText, terminator: "")
            return
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ValidationError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(key.fileText.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        print("wrote a new group key to \(path) (key \(key.fingerprint)); start every member with --key-file \(path)")
    }
}
