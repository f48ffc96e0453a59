import ArgumentParser
import Foundation
import Testing
@testable import ringchat

/// The help texts and README.md say the same (issue 19, point 9): the
/// README test's other half. `ReadmeTests` checks that what README names
/// exists; these check that what `--help` says agrees with README, and
/// that the command line's own messages are the right ones.
extension EndToEnd {
    @Suite struct HelpTexts {
        static let readme = ReadmeTests.readme

        static func help(_ type: ParsableCommand.Type) -> String {
            RingChat.helpMessage(for: type, columns: 1000)
        }

        static var allHelps: [(String, String)] {
            [("ringchat", help(RingChat.self))] + ReadmeTests.subcommands.map { ("ringchat " + $0.key, help($0.value)) }
        }

        /// Help is for users: no "(issue 12)", no internal references.
        @Test func noHelpCitesAnIssue() {
            for (name, text) in Self.allHelps {
                #expect(text.range(of: #"(?i)\bissue\s*#?\d+"#, options: .regularExpression) == nil, "\(name) --help cites an issue")
            }
        }

        /// Every flag that chat, server and reconcile offer is documented
        /// in README.
        @Test func everyHelpFlagIsInReadme() throws {
            let re = try NSRegularExpression(pattern: #"--[a-z][a-z0-9-]*"#)
            for name in ["chat", "server", "reconcile"] {
                let text = Self.help(ReadmeTests.subcommands[name]!)
                for m in re.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    let flag = String(text[Range(m.range, in: text)!])
                    if flag == "--help" || flag == "--version" { continue }
                    let documented = Self.readme.range(of: flag + #"(?![a-z0-9-])"#, options: .regularExpression) != nil
                    #expect(documented, "`ringchat \(name) --help` offers \(flag), README does not name it")
                }
            }
        }

        /// README's "Keys at a glance" keys are named by `chat --help`.
        @Test func chatHelpNamesTheFunctionKeys() {
            let text = Self.help(ChatCommand.self)
            for key in ["F2", "F3", "F9", "PgUp", "/search", "/quit"] {
                let (inHelp, inReadme) = (text.contains(key), Self.readme.contains(key))
                #expect(inHelp, "chat --help does not name \(key)")
                #expect(inReadme, "README does not name \(key)")
            }
        }

        /// Each default README's option tables give is the one `--help`
        /// prints (`(default: X)`), for the options of chat and server.
        @Test func defaultsAgree() throws {
            let helps = [Self.help(ChatCommand.self), Self.help(ServerCommand.self)]
            var compared = 0
            for row in Self.readme.components(separatedBy: "\n") where row.hasPrefix("| `--") {
                let cells = row.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                guard cells.count == 5 else { continue }   // | flag | default | meaning |
                let flag = String(cells[1].dropFirst().prefix { $0 != " " && $0 != "`" })
                for text in helps {
                    guard let line = text.components(separatedBy: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(flag + " ") }),
                          let d = line.range(of: "(default: ") else { continue }
                    var value = String(line[d.upperBound...].prefix { $0 != ")" })
                    if let x = Double(value), x == x.rounded() { value = String(Int(x)) }
                    #expect(cells[2].replacingOccurrences(of: "`", with: "").contains(value),
                            "README gives \(flag) the default '\(cells[2])', --help says \(value)")
                    compared += 1
                }
            }
            #expect(compared >= 4, "only \(compared) defaults compared")
            // The nick's default differs by command, and both say so.
            #expect(Self.help(ServerCommand.self).contains("`server` for ringchat server"))
            let readmeSays = Self.readme.contains("`server` for `ringchat server`")
            #expect(readmeSays)
        }

        /// `ringchat serverr` is an unknown command with the nearest name,
        /// not chat's usage.
        @Test func aMistypedCommandIsNamed() throws {
            let r = UnknownCommand.refusal(["serverr", "--nick", "x"])
            #expect(r?.contains("unknown command 'serverr'; did you mean 'server'?") == true, "\(r ?? "nil")")
            #expect(UnknownCommand.refusal(["reconcil", "a"])?.contains("did you mean 'reconcile'") == true)
            #expect(UnknownCommand.refusal(["xyzzy"])?.contains("did you mean") == false)
            #expect(UnknownCommand.refusal(["--nick", "alice"]) == nil)
            #expect(UnknownCommand.refusal(["server", "--verbose"]) == nil)
            #expect(UnknownCommand.refusal([]) == nil)
            let dir = NSTemporaryDirectory()
            let out = try runScript([ringchatBinary, "serverr"], in: dir, timeout: 20)
            #expect(out.code == 64)
            #expect(out.err.contains("did you mean 'server'?"), "\(out.err)")
            #expect(!out.err.contains("Usage: ringchat chat"), "\(out.err)")
        }

        /// A negative number is the option's value, refused with its range,
        /// not "Missing value".
        @Test(arguments: [["--checkpoint-every", "-1"], ["--ttl", "-1"], ["--token-hold", "-5"], ["--loss", "-0.5"]])
        func negativeNumbersAreRefusedWithTheRange(_ args: [String]) {
            do {
                _ = try RingChat.parseAsRoot(["chat"] + args)
                Issue.record("\(args) parsed")
            } catch {
                let text = RingChat.message(for: error)
                #expect(!text.contains("Missing value"), "\(args): \(text)")
                #expect(text.contains(args[0]) || text.contains("loss"), "\(args): \(text)")
            }
        }
    }
}
