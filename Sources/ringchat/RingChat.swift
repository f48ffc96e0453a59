import ArgumentParser

@main
struct RingChat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ringchat",
        abstract: "A terminal group chat over UDP multicast, ordered by a token ring.",
        subcommands: [ChatCommand.self, ServerCommand.self, ReconcileCommand.self, SimulateCommand.self, KeygenCommand.self,
                      BenchCommand.self, BenchHistoryCommand.self, BenchPeerCommand.self, BenchClientCommand.self],
        defaultSubcommand: ChatCommand.self
    )
}
