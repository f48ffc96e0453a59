import ArgumentParser
import RingChatIO
import RingChatStorage
import RingChatSession
import RingChatBench
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

    func run() throws {
        let options = try hostOptions(network: network, state: state)
        let status = headless
            ? HeadlessFrontEnd.run(options: options, style: .json, readStdin: true)
            : ChatApp.run(options: options)
        if status != 0 { throw ExitCode(status) }
    }
}
