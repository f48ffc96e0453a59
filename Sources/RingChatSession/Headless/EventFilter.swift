/// Which events a headless reader gets (`--events`): a program pays only
/// for what it reads. `started`, `stopped` and `error` are always written.
public struct EventFilter: Sendable, Equatable {
    public enum Kind: String, CaseIterable, Sendable {
        case delivered, status, token, ring, passes, checkpoint, restored, notice, warning, stats

        /// This kind's bit in `EventFilter.mask`.
        var bit: UInt16 {
            switch self {
            case .delivered: 1 << 0
            case .status: 1 << 1
            case .token: 1 << 2
            case .ring: 1 << 3
            case .passes: 1 << 4
            case .checkpoint: 1 << 5
            case .restored: 1 << 6
            case .notice: 1 << 7
            case .warning: 1 << 8
            case .stats: 1 << 9
            }
        }
    }

    public let kinds: Set<Kind>
    /// `kinds` as bits: asked once per delivery, where hashing the kind
    /// into the set showed in a busy node's profile.
    private let mask: UInt16

    public init(_ kinds: Set<Kind>) {
        self.kinds = kinds
        mask = kinds.reduce(0) { $0 | $1.bit }
    }

    /// Everything but the token's every move: `token` (holder changes) and
    /// `passes` (the `ring` events requested, granted, passed, sent), which
    /// an idle ring writes ten times a second.
    public static let `default` = EventFilter(Set(Kind.allCases).subtracting([.token, .passes]))
    public static let all = EventFilter(Set(Kind.allCases))

    public func contains(_ k: Kind) -> Bool { mask & k.bit != 0 }

    /// For events named as they are written; `ring` events of the token's
    /// moves go through `passes` (see `EventReporter.token`).
    public func contains(named event: String) -> Bool {
        guard let k = Kind(rawValue: event) else { return true }   // started, stopped, error
        return contains(k)
    }

    /// `--events delivered,status` or `all` or `default`; nil and the reason
    /// for anything else.
    public static func parse(_ text: String) -> Result<EventFilter, EventFilterError> {
        var kinds: Set<Kind> = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            switch word {
            case "all": kinds.formUnion(Kind.allCases)
            case "default": kinds.formUnion(EventFilter.default.kinds)
            case "started", "stopped", "error": continue
            default:
                guard let k = Kind(rawValue: word) else {
                    let names = (["all", "default"] + Kind.allCases.map(\.rawValue)).joined(separator: ", ")
                    return .failure(EventFilterError(description: "unknown event '\(word)' (one of: \(names))"))
                }
                kinds.insert(k)
            }
        }
        return .success(EventFilter(kinds))
    }
}

public struct EventFilterError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
