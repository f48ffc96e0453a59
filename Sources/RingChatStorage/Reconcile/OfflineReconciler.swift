import RingChatCore
import RingChatIO

/// The merge of `ringchat reconcile` over replicas held in memory: the
/// reference that `StreamingReconciler` (which the command runs) is tested
/// against, and the report both print. It compares several replicas,
/// says what each lacks and where they disagree, and can rewrite them all
/// to the merged, agreed log.
///
/// The replicas form a grow-only set with one agreed order (by canonical
/// slot, the lowest slot a message was seen at), so the merge is the union;
/// the only thing that can go wrong is a disagreement: one id with two
/// contents, or one slot holding two ids. The merge then keeps one variant
/// deterministically (the lowest by slot, id, nick, text: the same whatever
/// the order of the dirs) and reports the other.
public struct OfflineReconciler {
    public struct Replica {
        public var directory: String
        public var node: NodeID?
        public var messages: [ChatMessage]
        public var warnings: [String]
        /// Held by the merged log but not by this replica.
        public var lacks: [ChatMessage] = []
        /// Held at another canonical slot than the merged log's.
        public var reordered: [MessageID] = []
        /// Lines rejected by the merge (the other side of a disagreement).
        public var rejected: [ChatMessage] = []
        /// Same content as the merge, line for line in agreed order.
        public var identical = false
        /// Totals when `messages`, `lacks`, `reordered`, `rejected` hold only
        /// examples (the streaming reconciler of long replicas).
        public var totals: Totals?

        public struct Totals: Sendable {
            public var lines = 0
            public var lacks = 0
            public var reordered = 0
            public var rejected = 0
        }

        public init(directory: String, node: NodeID?, messages: [ChatMessage], warnings: [String]) {
            self.directory = directory
            self.node = node
            self.messages = messages
            self.warnings = warnings
        }

        var lineCount: Int { totals?.lines ?? messages.count }
        var lackCount: Int { totals?.lacks ?? lacks.count }
        var reorderedCount: Int { totals?.reordered ?? reordered.count }
        var rejectedCount: Int { totals?.rejected ?? rejected.count }
    }

    public var replicas: [Replica]
    public var merged: [ChatMessage]
    /// Messages and rings of the merge (`merged` may be empty when it was
    /// streamed to a file instead).
    public var mergedCount: Int
    public var mergedRings: Int
    /// Human-readable descriptions of every disagreement.
    public var disagreements: [String]

    /// Loads every dir's replica (read-only: a torn tail is reported, not
    /// cut) and merges them.
    public init(directories: [String]) {
        var reps: [Replica] = []
        for d in directories {
            let dir = StateDirectory(path: d)
            let (node, warnings) = Self.identify(dir)
            let (ms, w) = ReplicaFile.load(from: dir.replicaPath, repair: false)
            reps.append(Replica(directory: dir.path, node: node, messages: ms, warnings: warnings + w))
        }
        self.init(replicas: reps)
    }

    public init(replicas input: [Replica]) {
        var all: [(Int, ChatMessage)] = []
        for (i, r) in input.enumerated() { for m in r.messages { all.append((i, m)) } }
        all.sort { a, b in
            let x = a.1, y = b.1
            if x.slot != y.slot { return x.slot < y.slot }
            if x.id != y.id { return x.id < y.id }
            if x.nick != y.nick { return x.nick < y.nick }
            if x.text != y.text { return x.text < y.text }
            if x.kind != y.kind { return x.kind.rawValue < y.kind.rawValue }
            return x.room < y.room
        }
        var log = MessageLog(capacity: .max)
        var reps = input
        var disagreements: [String] = []
        for (i, m) in all {
            if log.insert(m, delivered: true) == .conflict {
                reps[i].rejected.append(m)
                if let other = log.message(m.id), !Self.sameContent(other, m) {
                    disagreements.append("\(reps[i].directory): message \(m.id.text) reads \(Self.content(m)) but the merge keeps \(Self.content(other))")
                } else if let holder = log.message(at: m.slot) {
                    disagreements.append("\(reps[i].directory): slot \(m.slot.ring.text)#\(m.slot.seq) holds \(m.id.text) but the merge keeps \(holder.id.text) there")
                }
            }
        }
        let merged = log.sorted()
        for i in reps.indices {
            var own = MessageLog(capacity: .max)
            for m in reps[i].messages { _ = own.insert(m, delivered: true) }
            reps[i].lacks = merged.filter { !own.contains($0.id) }
            reps[i].reordered = own.cached.values.filter { m in log.message(m.id).map { $0.slot != m.slot } ?? false }.map(\.id).sorted()
            reps[i].identical = reps[i].messages == merged
        }
        self.replicas = reps
        self.merged = merged
        self.mergedCount = merged.count
        self.mergedRings = Set(merged.map(\.slot.ring)).count
        self.disagreements = disagreements
    }

    /// A report built elsewhere (the streaming reconciler).
    init(replicas: [Replica], mergedCount: Int, mergedRings: Int, disagreements: [String]) {
        self.replicas = replicas
        self.merged = []
        self.mergedCount = mergedCount
        self.mergedRings = mergedRings
        self.disagreements = disagreements
    }

    /// Every replica already holds exactly the merged log, in agreed order.
    public var allIdentical: Bool { replicas.allSatisfy(\.identical) }

    /// Every replica holds the same messages at the same slots (line order
    /// aside: a replica is appended in arrival order).
    public var allAgree: Bool {
        disagreements.isEmpty && replicas.allSatisfy { $0.lackCount == 0 && $0.reorderedCount == 0 && $0.rejectedCount == 0 }
    }

    /// The report, one line per fact.
    public func report(limit: Int = 10) -> [String] {
        var out: [String] = []
        for r in replicas {
            let who = r.node.map { " (node \($0.hex))" } ?? ""
            if let t = r.totals {
                out.append("\(r.directory)\(who): \(t.lines) lines")
            } else {
                out.append("\(r.directory)\(who): \(r.messages.count) lines, \(Set(r.messages.map(\.id)).count) messages")
            }
            for w in r.warnings { out.append("  warning: \(w)") }
            if r.lackCount == 0 {
                out.append("  lacks nothing")
            } else {
                out.append("  lacks \(r.lackCount):")
                for m in r.lacks.prefix(limit) { out.append("    \(Self.describe(m))") }
                if r.lackCount > min(limit, r.lacks.count) { out.append("    ... and \(r.lackCount - min(limit, r.lacks.count)) more") }
            }
            if r.reorderedCount > 0 {
                out.append("  \(r.reorderedCount) messages at another slot than the agreed one: "
                    + r.reordered.prefix(limit).map(\.text).joined(separator: ", "))
            }
            if !r.identical && r.lackCount == 0 && r.reorderedCount == 0 && r.rejectedCount == 0 {
                out.append("  same messages at the same slots; only its lines are in arrival order, not sorted (not a disagreement; --write sorts them)")
            }
        }
        out.append("merged: \(mergedCount) messages in \(mergedRings) rings")
        if disagreements.isEmpty {
            out.append("disagreements: none")
        } else {
            out.append("disagreements: \(disagreements.count)")
            for d in disagreements.prefix(limit * 2) { out.append("  \(d)") }
        }
        return out
    }

    static func describe(_ m: ChatMessage) -> String {
        "\(m.slot.ring.text)#\(m.slot.seq) \(m.id.text) \(content(m, quoted: false))"
    }

    /// Same nick, text, kind and room: one message's content.
    static func sameContent(_ a: ChatMessage, _ b: ChatMessage) -> Bool {
        a.text == b.text && a.nick == b.nick && a.kind == b.kind && a.room == b.room
    }

    /// A message's room, nick and text for the report. A private message's
    /// text is its sealed box: only its length is printed, and its room is
    /// the recipient's address.
    static func content(_ m: ChatMessage, quoted: Bool = true) -> String {
        let place = m.room.isEmpty ? "" : TerminalSafety.oneLine(m.room) + " "
        guard m.kind != .private else { return "\(place)<\(TerminalSafety.oneLine(m.nick))> (private, \(m.text.utf8.count) sealed bytes)" }
        let text = m.text.count > 60 ? String(m.text.prefix(57)) + "..." : m.text
        let q = quoted ? "\"" : ""
        return "\(place)<\(TerminalSafety.oneLine(m.nick))> \(q)\(TerminalSafety.oneLine(text))\(q)"
    }

    /// Rewrites every replica that is not already the merged log. Refuses a
    /// dir whose node is running (it holds the state lock). Returns one line
    /// per dir written or refused.
    public func write() -> (lines: [String], failures: Int) {
        Self.rewrite(replicas, messages: merged.count, aside: { _ in true },
                     later: { ReplicaScanner.scan(StateDirectory(path: replicas[$0].directory).replicaPath, repair: false) { _, _, _, _ in }.later }) { dir throws(SystemError) in
            try ReplicaFile.rewrite(dir.replicaPath, with: merged)
        }
    }

    /// Each replica that is not identical, under its lock (a dir whose node
    /// runs is refused): lines the merge left out as implausible go to
    /// replica.jsonl.broken first (where `aside(k)`), never lost by the
    /// rewrite; then `replace` writes the merged log over it. A replica
    /// holding `later(k)` lines of a later version is refused: the merge
    /// cannot carry what this build cannot read, and would lose them.
    static func rewrite(_ replicas: [Replica], messages: Int, aside: (Int) -> Bool, later: (Int) -> Int,
                        replace: (StateDirectory) throws(SystemError) -> Void) -> (lines: [String], failures: Int) {
        var lines: [String] = []
        var failures = 0
        for (k, r) in replicas.enumerated() where !r.identical {
            let dir = StateDirectory(path: r.directory)
            let lock: StateLock
            do throws(StateDirectoryError) { lock = try StateLock(directory: dir.path) } catch {
                lines.append(error.heldByAnother
                    ? "not written: \(r.directory): its node is running (it holds \(dir.path)/\(StateLock.fileName)); stop that node first, then run reconcile --write again"
                    : "not written: \(error.message)")
                failures += 1
                continue
            }
            defer { lock.release() }
            let newer = later(k)
            guard newer == 0 else {
                lines.append("not written: \(dir.replicaPath) holds \(newer) line\(newer == 1 ? "" : "s") of a later version of ringchat, which this version cannot merge and would lose; reconcile with that version")
                failures += 1
                continue
            }
            if aside(k) {
                lines += ReplicaFile.load(from: dir.replicaPath).warnings.filter { $0.contains(ReplicaFile.brokenPath(for: dir.replicaPath)) }
            }
            do throws(SystemError) {
                try replace(dir)
                lines.append("wrote \(dir.replicaPath): \(messages) messages (was \(r.lineCount) lines)")
            } catch {
                lines.append("not written: \(dir.replicaPath): \(error)")
                failures += 1
            }
        }
        if lines.isEmpty { lines.append("nothing to write: every replica is already the merged log") }
        return (lines, failures)
    }

    /// A dir's node id (if node.json reads) and what is wrong with the dir.
    static func identify(_ dir: StateDirectory) -> (node: NodeID?, warnings: [String]) {
        var warnings: [String] = []
        let node: NodeID?
        do throws(NodeFileError) { node = try NodeFile.read(in: dir.path)?.node } catch {
            node = nil
            warnings.append(error.message)
        }
        if !FileIO.exists(dir.replicaPath) { warnings.append("no \(StateDirectory.replicaFile) in \(dir.path): treated as empty") }
        return (node, warnings)
    }
}
