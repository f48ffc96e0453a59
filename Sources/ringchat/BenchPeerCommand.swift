import ArgumentParser
import RingChatBench
import RingChatSession

/// `ringchat bench-peer`: one node of `ringchat bench`, started by the
/// harness. Hidden: it is the load generator, not something to run by hand.
struct BenchPeerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-peer",
        abstract: "One node of `ringchat bench` that makes its own load (started by the harness).",
        shouldDisplay: false
    )

    @OptionGroup(title: "Network") var network: NetworkOptions
    @OptionGroup(title: "State") var state: StateOptions

    @OptionGroup(title: "Load") var load: BenchLoadOptions

    func run() throws {
        let options = try hostOptions(network: network, state: state)
        let status = BenchPeer.run(options: options, load: load.options)
        if status != 0 { throw ExitCode(status) }
    }
}

/// The load of one bench node, for `bench-peer` and `bench-client`.
struct BenchLoadOptions: ParsableArguments {
    @Option(help: "Start the load once the ring has this many members.") var members: Int
    @Option(help: "Seconds of load.") var seconds: Double = 10
    @Option(help: "Lines in flight (0: a passive peer that sends only its END line).") var window: Int = 64
    @Option(help: "Lines per second (0: flat out, window-limited).") var rate: Int = 0

    var options: BenchPeerOptions { BenchPeerOptions(members: members, seconds: seconds, window: window, rate: rate) }
}
