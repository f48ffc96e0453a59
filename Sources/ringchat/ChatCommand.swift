import ArgumentParser
import RingChatRuntime
import RingChatTUI

struct ChatCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat",
        abstract: "Join the group chat (the default command).",
        discussion: """
        Without --headless: the full-screen terminal UI.

        With --headless: no screen. Each stdin line is a message to send; a few \
        lines are commands: /checkpoint (take a checkpoint now), /crash (simulate \
        a crash: drop all in-memory state, restore from the last checkpoint and \
        the replica, catch up from peers), /me TEXT (an action), /nick NAME, \
        /stats (print counters), /quit; //TEXT sends /TEXT. Stdout carries one \
        JSON object per line per event (started, delivered, token, ring, status, \
        checkpoint, restored, notice, warning, error, stats, stopped; see \
        README.md). At stdin EOF the node stays in the group until a \
        signal. SIGINT, SIGTERM or SIGHUP end it cleanly (a final checkpoint, \
        exit 0); SIGUSR1 takes a checkpoint.
        """
    )

    @Flag(help: "No screen: messages from stdin lines, events as JSON Lines on stdout.")
    var headless = false

    @OptionGroup(title: "Network") var network: NetworkOptions
    @OptionGroup(title: "State") var state: StateOptions

    @Option(name: .customLong("bench-members"), help: .hidden) var benchMembers: Int?
    @Option(name: .customLong("bench-seconds"), help: .hidden) var benchSeconds: Double = 10
    @Option(name: .customLong("bench-window"), help: .hidden) var benchWindow: Int = 64
    @Option(name: .customLong("bench-rate"), help: .hidden) var benchRate: Int = 0

    func run() throws {
        let options = try hostOptions(network: network, state: state)
        if headless {
            // `ringchat bench` drives peers with the hidden --bench-* options.
            let runner = HeadlessRunner(options: options, style: .json, readStdin: benchMembers == nil)
            runner.bench = benchMembers.map { BenchPeerOptions(members: $0, seconds: benchSeconds, window: benchWindow, rate: benchRate) }
            let status = runner.run()
            if status != 0 { throw ExitCode(status) }
            return
        }
        // ---- TUI entry point
        let status = ChatApp.run(options: options)
        if status != 0 { throw ExitCode(status) }
        // ---- end of the TUI entry point
    }
}
