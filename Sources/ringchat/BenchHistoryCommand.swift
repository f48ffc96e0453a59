import ArgumentParser
import Glibc
import RingChatIO
import RingChatStorage
import RingChatSession
import RingChatBench

struct BenchHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-history",
        abstract: "Build long replicas and measure restart, memory, checkpoint, catch-up and reconcile.",
        discussion: """
        Runs real `ringchat chat --headless` processes on loopback multicast \
        (a random 239.x.y.z group). Prints: first start on a bare replica \
        (upgrade), restart to first delivery, checkpoint write time, catch-up of \
        the missed messages while the other node chats (longest gap between its \
        lines), `ringchat reconcile` time, every process's peak RSS (VmHWM), \
        and /search: the full-text index's build and its queries at that size. \
        --search-only builds the long replica alone and prints just the search \
        figures, with a real TUI's /search in tmux.
        """
    )

    @Option(help: "Messages in the long replica.")
    var messages = 1_000_000

    @Option(help: "Messages the returning node missed.")
    var missed = 100_000

    @Option(help: "Where to build the state dirs (default: a temp dir, removed afterwards).")
    var dir: String?

    @Flag(help: "Keep the temp dir.")
    var keep = false

    @Flag(name: .customLong("search-only"), help: "Only the /search figures: the long replica, its full-text index built, queries timed, and a TUI's /search in tmux.")
    var searchOnly = false

    @Option(help: "Give up on a step after this many seconds.")
    var timeout: Double = 600

    func validate() throws {
        guard messages > 0, missed >= 0, missed <= messages else { throw ValidationError("need 0 <= --missed <= --messages, --messages > 0") }
    }

    func run() throws {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { throw ValidationError("cannot find this executable") }
        var o = HistoryBench.Options(executable: String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        o.messages = messages
        o.missed = missed
        o.directory = dir
        o.keep = keep
        o.searchOnly = searchOnly
        o.timeout = timeout
        try HistoryBench(options: o) { Console.out($0 + "\n") }.run()
    }
}
