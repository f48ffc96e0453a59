import ArgumentParser
import RingChatIO
import RingChatStorage
import RingChatSession
import RingChatBench

struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run an always-on peer that never types: an archive replica with a log.",
        discussion: """
        The server is an ordinary member of the ring: it takes the token when it \
        comes round, keeps a replica and checkpoints, and answers peers that catch \
        up. It keeps every room's lines (and the sealed bytes of private \
        messages, which it cannot read); --join only says which rooms it is \
        counted in by /list. It logs one human-readable line per event to \
        stdout (deliveries of every room, named, ring changes, checkpoints, restores, status, warnings; the token's every move \
        with --verbose). \
        Stdin is ignored. SIGINT, SIGTERM or SIGHUP stop it cleanly (a final \
        checkpoint, exit 0); SIGUSR1 takes a checkpoint.
        """
    )

    @Flag(help: "Also log the token's every move (holder changes and the ring's requested, granted, passed, sent: about twenty lines a second on an idle ring).")
    var verbose = false

    @OptionGroup(title: "Network") var network: NetworkOptions
    @OptionGroup(title: "State") var state: StateOptions
    @OptionGroup(title: "Rooms") var rooms: RoomOptions

    func run() throws {
        var options = try hostOptions(network: network, state: state, defaultNick: "server")
        options.rooms = try rooms.rooms()
        let status = HeadlessFrontEnd.run(options: options, style: .log, events: verbose ? .all : .default, readStdin: false)
        if status != 0 { throw ExitCode(status) }
    }
}
