import ArgumentParser
import Foundation
import Testing
@testable import ringchat

/// README.md names commands and flags; each must be real. Every command
/// line of `ringchat` in a code block is parsed and validated by the real
/// argument parser; every `--flag` in a code span or block belongs to the
/// command it is given to (its `--help` lists it) or, standing alone, to
/// some `ringchat` subcommand or demo script. Commands of other tools
/// (`swift`, `tmux`, `asciinema`...) are theirs to check.
extension EndToEnd {
    @Suite struct ReadmeTests {
        static let readme: String = (try? String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)) ?? ""

        static let subcommands: [String: ParsableCommand.Type] = [
            "chat": ChatCommand.self, "server": ServerCommand.self,
            "reconcile": ReconcileCommand.self, "simulate": SimulateCommand.self, "keygen": KeygenCommand.self,
            "bench": BenchCommand.self, "bench-history": BenchHistoryCommand.self,
        ]
        static let scripts = ["demo/demo", "demo/test", "demo/scenario", "demo/record"]

        @Test func everyRingchatCommandLineParses() throws {
            #expect(!Self.readme.isEmpty, "README.md not found at \(repositoryRoot)")
            var parsed = 0
            for cmd in Self.commands() where cmd.first == "ringchat" {
                let args = Array(cmd.dropFirst())
                // Synopses (`ringchat reconcile DIR... [--write]`) show a shape, not a command.
                if args.contains(where: Self.isPlaceholder) { continue }
                // A subcommand named in prose (`ringchat reconcile`): it exists.
                if args.count == 1, Self.subcommands[args[0]] != nil { continue }
                if args.first == "help" {
                    #expect(args.count == 2 && Self.subcommands[args[1]] != nil, "README: ringchat \(args.joined(separator: " "))")
                    continue
                }
                do {
                    _ = try RingChat.parseAsRoot(args)
                    parsed += 1
                } catch {
                    Issue.record("README: `ringchat \(args.joined(separator: " "))` does not parse: \(RingChat.message(for: error))")
                }
            }
            #expect(parsed >= 8, "only \(parsed) ringchat command lines found in README")
        }

        @Test func everyFlagIsListedByItsCommandsHelp() throws {
            let helps = try Self.helps()
            let all = helps.values.reduce(into: Set<String>()) { $0.formUnion($1) }
            var checked = 0
            for cmd in Self.commands() {
                let flags = cmd.filter { $0.range(of: #"^--[a-z]"#, options: .regularExpression) != nil }
                    .map { String($0.prefix { $0 != "=" }) }
                guard !flags.isEmpty else { continue }
                let owner: String?
                if cmd[0] == "ringchat" {
                    let sub = cmd.dropFirst().first { !$0.hasPrefix("-") }.flatMap { Self.subcommands[$0] != nil ? $0 : nil }
                    owner = "ringchat " + (sub ?? "chat")
                } else if Self.scripts.contains(cmd[0]) {
                    owner = cmd[0]
                } else if cmd[0].range(of: #"^--[a-z]"#, options: .regularExpression) != nil {
                    owner = nil
                } else {
                    continue  // another tool's command line
                }
                for flag in flags where flag != "--help" {
                    checked += 1
                    if let o = owner {
                        #expect(helps[o]?.contains(flag) == true, "README: \(flag) is not in `\(o) --help` (in `\(cmd.joined(separator: " "))`)")
                    } else {
                        #expect(all.contains(flag), "README: \(flag) is no flag of ringchat or the demo scripts")
                    }
                }
            }
            #expect(checked >= 30, "only \(checked) flags found in README")
        }

        /// The demo scripts README names exist and explain themselves.
        @Test func everyScriptREADMENamesHasHelp() throws {
            for script in Self.scripts where Self.readme.contains(script) {
                #expect(FileManager.default.isExecutableFile(atPath: repositoryRoot + "/" + script), "\(script) is not executable")
            }
            #expect(Self.readme.contains("demo/demo") && Self.readme.contains("demo/test"))
        }

        // MARK: reading README

        /// Every command in a code block (one per line, `\` continuations
        /// joined, comments cut) or an inline code span, split at `|`, `;`
        /// and `&&`, as words.
        static func commands() -> [[String]] {
            var texts: [String] = []
            var inBlock = false
            var pending = ""
            for line in readme.components(separatedBy: "\n") {
                if line.hasPrefix("```") { inBlock.toggle(); continue }
                if inBlock {
                    if line.hasSuffix("\\") { pending += line.dropLast() + " "; continue }
                    texts.append(pending + line)
                    pending = ""
                } else {
                    texts += spans(line)
                }
            }
            var out: [[String]] = []
            for t in texts {
                let code = t.range(of: " # ").map { String(t[..<$0.lowerBound]) } ?? t
                for part in code.components(separatedBy: "|").flatMap({ $0.components(separatedBy: ";") })
                    .flatMap({ $0.components(separatedBy: "&&") }) {
                    var words = part.split(separator: " ").map(String.init)
                    words = words.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "()`,.")) }.filter { !$0.isEmpty }
                    // Environment assignments and sudo come before the command.
                    while let w = words.first, w == "sudo" || w.range(of: #"^[A-Z_]+=\S*$"#, options: .regularExpression) != nil {
                        words.removeFirst()
                    }
                    if !words.isEmpty { out.append(words) }
                }
            }
            return out
        }

        private static func spans(_ line: String) -> [String] {
            let parts = line.components(separatedBy: "`")
            return stride(from: 1, to: parts.count, by: 2).map { parts[$0] }
        }

        private static func isPlaceholder(_ w: String) -> Bool {
            w.contains("[") || w.contains("…") || w.contains("...") || w == "SUBCOMMAND"
                || w.range(of: #"^[A-Z][A-Z_]+$"#, options: .regularExpression) != nil
        }

        /// The flags each command's `--help` lists.
        static func helps() throws -> [String: Set<String>] {
            func flags(_ text: String) -> Set<String> {
                let re = try! NSRegularExpression(pattern: #"--[a-z][a-z0-9-]*"#)
                return Set(re.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) })
            }
            var out: [String: Set<String>] = [:]
            for (name, type) in subcommands {
                out["ringchat " + name] = flags(RingChat.helpMessage(for: type, columns: 1000))
            }
            let cluster = Cluster(label: "readme")
            defer { cluster.close() }
            for s in scripts {
                let r = try runScript([repositoryRoot + "/" + s, "--help"], in: cluster.root, timeout: 30)
                #expect(r.code == 0, "\(s) --help exited \(r.code): \(r.err)")
                out[s] = flags(r.out)
            }
            return out
        }
    }
}
