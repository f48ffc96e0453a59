#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
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

    /// `ringchat serverr` would otherwise reach the default command (chat)
    /// as a stray argument and print chat's usage: a word in the place of a
    /// subcommand that is none is refused here, with the nearest name.
    static func main() {
        if let refusal = UnknownCommand.refusal(Array(CommandLine.arguments.dropFirst())) {
            let text = Array((refusal + "\n").utf8)
            _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            Glibc.exit(ExitCode.validationFailure.rawValue)
        }
        main(nil)
    }
}

/// A first argument that is neither an option nor a subcommand.
enum UnknownCommand {
    /// The subcommands a user types (the hidden helpers too: they are real).
    static var names: [String] {
        RingChat.configuration.subcommands.map { $0._commandName } + ["help"]
    }

    /// nil when `arguments` start with an option, a subcommand or nothing.
    /// Chat takes no positional argument, so any other first word is a
    /// mistyped command.
    static func refusal(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-"), !names.contains(first) else { return nil }
        let visible = names.filter { !$0.hasPrefix("bench-") || $0 == "bench-history" }
        let near = visible.map { ($0, distance(first.lowercased(), $0)) }.filter { $0.1 <= max(2, $0.0.count / 3) }
            .min { $0.1 < $1.1 }
        let hint = near.map { "; did you mean '\($0.0)'?" } ?? ""
        return "ringchat: unknown command '\(first)'\(hint)\ncommands: \(visible.joined(separator: ", ")); see ringchat --help"
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
