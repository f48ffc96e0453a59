import ArgumentParser
import RingChatCore
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
        Without --headless: the full-screen terminal UI. Keys: Enter sends the \
        line (when the token reaches this node); F2 takes a checkpoint now; F3 \
        shows the full token log (F3 again: back); F9 simulates a crash (drop \
        everything in memory, restore from disk, catch up); PgUp/PgDn scroll; \
        Ctrl-D on an empty line or /quit leaves. Windows, as in irssi: window 1 is \
        #lobby; /join #NAME opens a room's window, /part leaves it, /list shows the \
        rooms on the ring, Alt-1..9 or /window N switch; /msg NICK TEXT and /query \
        NICK are private (sealed for NICK alone), /whois NICK shows its key. \
        Commands: /help lists them all (/nick, /me, /who, /join, /part, /list, \
        /window, /msg, /query, /whois, /search WORDS, /lastlog WORDS, /checkpoint, \
        /crash, /tokenlog, /quit).

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

    @Option(help: ArgumentHelp("With --headless: the events to write, comma-separated, or all.",
                               discussion: "Events: delivered, status, token (holder changes), ring (ring changes), passes (the token's every move: requested, granted, passed, sent), checkpoint, restored, notice, warning, stats; started, stopped and error are always written. Default: all but token and passes.",
                               valueName: "events"))
    var events: String?

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Words besides your nick that highlight a line and ring the bell (whole words, any case).",
                               valueName: "word"))
    var highlight: [String] = []

    @Option(help: ArgumentHelp("Rooms to join at start, comma-separated (# optional; quote it in a shell, where # starts a comment).",
                               discussion: "Each gets a window (window 1 is #lobby); the rooms of the last checkpoint are joined too. Repeat the flag or separate with commas: --join ops,dev or --join '#ops'.",
                               valueName: "rooms"))
    var join: [String] = []

    @OptionGroup(title: "Network") var network: NetworkOptions
    @OptionGroup(title: "State") var state: StateOptions

    func validate() throws {
        _ = try rooms()
        guard let events else { return }
        guard headless else { throw ValidationError("--events needs --headless (the screen shows everything)") }
        if case .failure(let e) = EventFilter.parse(events) { throw ValidationError("--events: \(e)") }
    }

    /// `--join`'s rooms, as wire names (`#ops`), in order, once each
    /// (read as `server`'s `--join`).
    func rooms() throws -> [String] { try RoomOptions.rooms(from: join) }

    func run() throws {
        var options = try hostOptions(network: network, state: state)
        options.rooms = try rooms()
        let filter = events.flatMap { try? EventFilter.parse($0).get() }
        let status = headless
            ? HeadlessFrontEnd.run(options: options, style: .json, events: filter ?? .default, readStdin: true)
            : ChatApp.run(options: options, highlights: highlight)
        if status != 0 { throw ExitCode(status) }
    }
}
