import RingChatCore

/// Splits bytes read from a stream into lines (`\n`, a trailing `\r`
/// dropped); keeps the unfinished tail for the next read.
public struct LineSplitter: Sendable {
    /// A line longer than this is cut into pieces (nobody types 64 KB).
    public static let maxLine = 64 << 10
    private var pending: [UInt8] = []

    public init() {}

    public mutating func feed(_ bytes: some Collection<UInt8>) -> [String] {
        var out: [String] = []
        for b in bytes {
            if b == UInt8(ascii: "\n") {
                out.append(Self.text(pending))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(b)
                if pending.count >= Self.maxLine {
                    out.append(Self.text(pending))
                    pending.removeAll(keepingCapacity: true)
                }
            }
        }
        return out
    }

    /// At end of input: the last line if it had no newline.
    public mutating func finish() -> String? {
        defer { pending = [] }
        return pending.isEmpty ? nil : Self.text(pending)
    }

    private static func text(_ bytes: [UInt8]) -> String {
        var b = bytes[...]
        if b.last == UInt8(ascii: "\r") { b = b.dropLast() }
        return String(decoding: b, as: UTF8.self)
    }
}

/// What a line of headless stdin means.
public enum HeadlessCommand: Equatable, Sendable {
    case say(String)
    case action(String)
    case checkpoint
    case crash
    case stats
    case nick(String)
    case quit
    case ignore
    case unknown(String)

    /// `/checkpoint`, `/crash`, `/stats`, `/nick NAME`, `/me TEXT`, `/quit`;
    /// `//text` sends `/text`; an empty line is ignored; anything else is a
    /// message.
    public static func parse(_ line: String) -> HeadlessCommand {
        if line.allSatisfy({ $0 == " " || $0 == "\t" }) { return .ignore }
        guard line.hasPrefix("/") else { return .say(line) }
        if line.hasPrefix("//") { return .say(String(line.dropFirst())) }
        let word = line.prefix { $0 != " " }
        let rest = String(line.dropFirst(word.count).drop { $0 == " " })
        switch word {
        case "/checkpoint": return .checkpoint
        case "/crash": return .crash
        case "/stats": return .stats
        case "/quit": return .quit
        case "/me": return rest.isEmpty ? .unknown("/me needs a text") : .action(rest)
        case "/nick":
            if rest.isEmpty { return .unknown("/nick needs a name") }
            if let refusal = NickRule.refusal(rest) { return .unknown(refusal) }
            return .nick(rest)
        default: return .unknown("unknown command \(word) (use // to send a line starting with /)")
        }
    }
}
