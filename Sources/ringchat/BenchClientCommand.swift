import ArgumentParser
import RingChatBench

/// `ringchat bench-client`: the program side of `ringchat bench --via
/// headless`, started by the harness with a headless node's stdout on its
/// stdin and its stdout on the node's stdin. Hidden: not run by hand.
struct BenchClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-client",
        abstract: "Drive one headless node with the benchmark's load (started by `ringchat bench`).",
        shouldDisplay: false
    )

    @Option(help: "Where to write the ready and bench lines.") var report: String
    @Option(help: "Start the load once the ring has this many members.") var members: Int
    @Option(help: "Seconds of load.") var seconds: Double = 10
    @Option(help: "Lines in flight (0: a passive peer that sends only its END line).") var window: Int = 64
    @Option(help: "Lines per second (0: flat out, window-limited).") var rate: Int = 0

    func run() throws {
        let client = try BenchClient(options: BenchPeerOptions(members: members, seconds: seconds, window: window, rate: rate),
                                     reportPath: report)
        let status = client.run()
        if status != 0 { throw ExitCode(status) }
    }
}
