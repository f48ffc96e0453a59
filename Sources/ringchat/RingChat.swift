import ArgumentParser

@main
struct RingChat: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ringchat",
        abstract: "A terminal group chat over UDP multicast with a token ring."
    )
}
