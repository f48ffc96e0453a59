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
    @OptionGroup(title: "Load") var load: BenchLoadOptions

    func run() throws {
        let client = try BenchClient(options: load.options, reportPath: report)
        let status = client.run()
        if status != 0 { throw ExitCode(status) }
    }
}
