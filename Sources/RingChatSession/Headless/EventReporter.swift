#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatStorage

/// Turns a host's events into lines: one JSON object a line for
/// `ringchat chat --headless`, one human-readable line for `ringchat
/// server`. README.md ("Headless chat") lists every event and field.
///
/// Lines are rendered straight into bytes and handed on in one batch per
/// loop turn (`requestFlush` asks the front end for the end of the turn).
/// Three filters keep the stream meaningful and cheap: `events` (what the
/// reader asked for, `--events`); `token` is reported when the holder
/// changes (not on every status change); and `status` at most once per
/// turn, when anything but the holder changed (the holder alone moves ten
/// times a second on an idle ring).
public final class EventReporter {
    public enum Style: Sendable { case json, log }

    public let style: Style
    public let events: EventFilter
    private let sink: ([UInt8]) -> Void
    /// Rendered lines not yet handed to `sink`.
    private var pending: [UInt8] = []
    /// Set: called once when `pending` stops being empty; the caller then
    /// calls `flush()` at the end of its loop turn. Nil: every line is
    /// handed on at once.
    public var requestFlush: (() -> Void)?
    private var flushRequested = false
    private var lastHolder: NodeID??
    private var lastStatus: NodeStatus?
    /// The newest status of this turn, written at the flush.
    private var pendingStatus: NodeStatus?
    /// Nicks by node id, from the latest status, for readable lines.
    private var nicks: [NodeID: String] = [:]
    /// Whether `delivered` shows every room's lines (the server's archive
    /// log) or only those of the rooms this node is in (the headless chat:
    /// `/join` is what a program reads).
    public var allRooms: Bool

    public init(style: Style, events: EventFilter = .default, sink: @escaping ([UInt8]) -> Void) {
        self.style = style
        self.events = events
        self.sink = sink
        allRooms = style == .log
    }

    /// A reporter that hands each line on as a `String` (tests).
    public convenience init(style: Style, events: EventFilter = .default, write: @escaping (String) -> Void) {
        self.init(style: style, events: events, sink: { write(String(decoding: $0, as: UTF8.self)) })
    }

    /// Writes a line made elsewhere (the bench peer's report).
    public func writeLine(_ s: String) {
        pending.append(contentsOf: s.utf8)
        flushSoon()
    }

    /// Whether lines were rendered that `flush()` has not handed on yet.
    public var hasPending: Bool { !pending.isEmpty }

    /// Hands every line rendered this turn on, the turn's status last.
    public func flush() {
        flushRequested = false
        if let s = pendingStatus {
            pendingStatus = nil
            writeStatus(s)
        }
        guard !pending.isEmpty else { return }
        let out = pending
        pending.removeAll(keepingCapacity: true)
        sink(out)
    }

    private func flushSoon() {
        guard let requestFlush else { return flush() }
        if !flushRequested {
            flushRequested = true
            requestFlush()
        }
    }

    // MARK: host events

    public func report(_ e: HostEvent, host: NodeHost) {
        switch e {
        case .delivered(let m, let backfill): delivered(m, backfill: backfill, host: host)
        case .token(let t): token(t)
        case .status(let s): status(s)
        case .restored(let r): restored(r, messages: host.currentNode?.log.count ?? 0)
        case .checkpointWritten(let cp): checkpoint(cp, writeMicros: host.stats.disk.checkpointLastMicros)
        case .notice(let text): emitOrdered("notice", [("message", .string(text))], log: "notice: \(text)")
        case .warning(let text): warning(text)
        }
    }

    private func delivered(_ m: ChatMessage, backfill: Bool, host: NodeHost) {
        guard events.contains(.delivered) else { return }
        // The lobby's lines (the fast path) are always shown; a room's only
        // while this node is in it, unless every room is (the server's
        // archive); a private message reaches us only at its two ends.
        if !m.room.isEmpty, m.kind != .private, !allRooms, !host.rooms.contains(m.room) { return }
        let peer = m.kind == .private ? (host.currentNode?.id).flatMap { RoomName.peer(of: m, me: $0) } : nil
        guard style == .json else {
            let place = peer.map { "private with \(peerName($0, m, host: host))" } ?? RoomName.display(m.room)
            return log("delivered \(m.slot) \(m.id.text)\(backfill ? " (backfill)" : "") \(place) <\(m.nick)> \(m.kind == .action ? "* " : "")\(m.text)")
        }
        line("delivered") { l in
            l.messageID("id", m.id)
            l.string("nick", m.nick)
            l.string("text", m.text)
            l.string("kind", m.kind.name)
            if let peer {
                l.string("room", RoomName.address(of: peer))
                l.string("with", peerName(peer, m, host: host))
            } else {
                l.string("room", RoomName.display(m.room))
            }
            l.ringID("ring", m.slot.ring)
            l.uint("seq", m.slot.seq)
            l.int("ts", m.timestamp)
            l.bool("backfill", backfill)
        }
    }

    /// The nick of a private conversation's other end: the sender's own
    /// nick on a message received, else the one this node knows.
    private func peerName(_ peer: NodeID, _ m: ChatMessage, host: NodeHost) -> String {
        if m.id.origin == peer { return m.nick }
        return host.peerNick(peer) ?? peer.short
    }

    private func token(_ t: TokenEvent) {
        switch t {
        case .requested, .granted, .passed, .sent:
            guard events.contains(.passes) else { return }
        case .successorSilent, .lost, .regenerated, .ringChanged:
            guard events.contains(.ring) else { return }
        case .holderChanged:
            return
        }
        switch t {
        case .requested(let q):
            emitOrdered("ring", [("kind", "requested"), ("queued", .int(q))],
                        log: "token requested (\(q) queued)")
        case .granted(let r, let hop, let from):
            emitOrdered("ring", [("kind", "granted"), ("ring", .string(r.text)), ("hop", .uint(hop)), ("from", .opt(from?.hex))],
                        log: "token granted: ring \(r) hop \(hop)\(from.map { " from \(self.name($0))" } ?? " (new ring)")")
        case .passed(let r, let hop, let to):
            emitOrdered("ring", [("kind", "passed"), ("ring", .string(r.text)), ("hop", .uint(hop)), ("to", .string(to.hex))],
                        log: "token passed to \(self.name(to)): ring \(r) hop \(hop)")
        case .sent(let r, let seqs):
            emitOrdered("ring", [("kind", "sent"), ("ring", .string(r.text)), ("first", .uint(seqs.lowerBound)), ("last", .uint(seqs.upperBound))],
                        log: "sent \(seqs.count) messages: ring \(r) seq \(seqs.lowerBound)-\(seqs.upperBound)")
        case .successorSilent(let n):
            emitOrdered("ring", [("kind", "successorSilent"), ("node", .string(n.hex))],
                        log: "successor \(self.name(n)) is silent: forming a ring without it")
        case .lost(let r):
            emitOrdered("ring", [("kind", "lost"), ("ring", .opt(r?.text))],
                        log: "token lost\(r.map { " in ring \($0)" } ?? ""): regenerating")
        case .regenerated(let r):
            emitOrdered("ring", [("kind", "regenerated"), ("ring", .string(r.text))],
                        log: "token regenerated: new ring \(r)")
        case .ringChanged(let old, let new):
            emitOrdered("ring", [("kind", "ringChanged"), ("old", .opt(old?.text)), ("new", .string(new.text))],
                        log: "ring changed: \(old.map { "\($0)" } ?? "none") -> \(new)")
        case .holderChanged:
            break   // reported as `token` from the status, with the nick
        }
    }

    private func status(_ s: NodeStatus) {
        for m in s.members { nicks[m.id] = m.nick }
        if lastHolder == nil || lastHolder! != s.holder {
            lastHolder = .some(s.holder)
            if events.contains(.token) {
                emitOrdered("token", [("holder", .opt(s.holder?.hex)), ("holderNick", .opt(s.holder.map { nicks[$0] ?? "?" })), ("me", .bool(s.holder == s.node)), ("ring", .opt(s.ring?.text))],
                     log: s.holder.map { "token held by \(name($0))\($0 == s.node ? " (me)" : "")" } ?? "token holder unknown")
            }
        }
        guard events.contains(.status) else { return }
        pendingStatus = s
        flushSoon()
    }

    /// The turn's last status, if anything but the holder changed since
    /// the last one written.
    private func writeStatus(_ s: NodeStatus) {
        let key = s.withoutFrequentFields
        guard key != lastStatus else { return }
        lastStatus = key
        let members: [JSONValue] = s.members.map {
            .object([("id", .string($0.id.hex)), ("nick", .string($0.nick)), ("lag", .int($0.lag))])
        }
        var cp: JSONValue = .null
        if let c = s.lastCheckpoint {
            cp = .object([("number", .uint(c.number)), ("takenAt", .int(c.takenAt)), ("replicaCount", .int(c.replicaCount))])
        }
        emitOrdered("status", [("lag", .int(s.lag)), ("members", .array(members)), ("ring", .opt(s.ring?.text)), ("queued", .int(s.queued)), ("holder", .opt(s.holder?.hex)), ("nick", .string(s.nick)), ("lastCheckpoint", cp)],
             log: "status: lag \(s.lag), queued \(s.queued), ring \(s.ring.map { "\($0)" } ?? "none"), members "
                + s.members.map { "\($0.nick)(\($0.id.short))\($0.lag > 0 ? " lag \($0.lag)" : "")" }.joined(separator: ", "))
    }

    private func restored(_ r: RestoreReport, messages: Int) {
        emitOrdered("restored", [("checkpoint", r.checkpoint.map { .uint($0) } ?? .null), ("incarnation", .uint(UInt64(r.incarnation))), ("checkpointMessages", .int(r.checkpointMessages)), ("replayed", .int(r.replayed)), ("outbox", .int(r.outbox)), ("messages", .int(messages)), ("draft", .string(r.draft)), ("warnings", .array(r.warnings.map { .string($0) }))],
             log: "restored: incarnation \(r.incarnation), "
                + (r.checkpoint.map { "checkpoint #\($0) (\(r.checkpointMessages) messages)" } ?? "no checkpoint")
                + ", \(r.replayed) replica lines replayed, \(r.outbox) unsent lines, \(messages) messages held")
        for w in r.warnings { warning(w) }
    }

    private func checkpoint(_ cp: Checkpoint, writeMicros: Int64) {
        emitOrdered("checkpoint", [("number", .uint(cp.number)), ("seq", cp.lastDelivered.map { .uint($0.seq) } ?? .null), ("ring", .opt(cp.lastDelivered?.ring.text)), ("replicaCount", .int(cp.replicaCount)), ("outbox", .int(cp.outbox.count)), ("incarnation", .uint(UInt64(cp.incarnation))), ("takenAt", .int(cp.takenAt)), ("writeMicros", .int(writeMicros))],
             log: "checkpoint #\(cp.number) written in \(writeMicros) µs: \(cp.replicaCount) replica lines, last delivered \(cp.lastDelivered.map { "\($0)" } ?? "none"), \(cp.outbox.count) unsent")
    }

    private func warning(_ text: String) {
        emitOrdered("warning", [("message", .string(text))], log: "WARNING: \(text)")
    }

    // MARK: runner events

    public func started(_ host: NodeHost) {
        let o = host.options
        let n = host.node
        emitOrdered("started", [("node", .string(n.id.hex)), ("incarnation", .uint(UInt64(n.incarnation))), ("nick", .string(n.nick)), ("group", .string(o.group)), ("port", .uint(UInt64(o.port))), ("interface", .opt(host.interfaceAddress)), ("stateDir", .string(host.stateDirectory.path)), ("faults", .string(o.faults.description)), ("keyed", .bool(host.isKeyed)), ("key", .opt(o.groupKey?.fingerprint)), ("rooms", .array(host.rooms.map { .string($0) })), ("pid", .int(Int64(getpid())))],
             log: "started: node \(n.id.hex) incarnation \(n.incarnation) nick \(n.nick), group \(o.group):\(o.port) on \(host.interfaceAddress ?? o.interface), \(o.groupKey.map { "keyed (key \($0.fingerprint))" } ?? "open (no key)"), state \(host.stateDirectory.path), \(o.faults), rooms \(([RoomName.lobbyDisplay] + host.rooms).joined(separator: ",")), pid \(getpid())")
    }

    public func stopped(reason: String) {
        emitOrdered("stopped", [("reason", .string(reason))], log: "stopped: \(reason)")
    }

    public func error(_ text: String) {
        emitOrdered("error", [("message", .string(text))], log: "ERROR: \(text)")
    }

    public func note(_ text: String) {
        emitOrdered("notice", [("message", .string(text))], log: text)
    }

    // MARK: answers to the program's room commands (always written)

    /// `/join`: the room joined and every room this node is now in.
    public func joined(_ room: String, rooms: [String]) {
        emitOrdered("joined", [("room", .string(RoomName.display(room))), ("rooms", .array(rooms.map { .string($0) }))],
                    log: "joined \(RoomName.display(room)): in \(([RoomName.lobbyDisplay] + rooms).joined(separator: ", "))")
    }

    /// `/part`: the room left and every room this node is still in.
    public func parted(_ room: String, rooms: [String]) {
        emitOrdered("parted", [("room", .string(RoomName.display(room))), ("rooms", .array(rooms.map { .string($0) }))],
                    log: "parted \(RoomName.display(room)): in \(([RoomName.lobbyDisplay] + rooms).joined(separator: ", "))")
    }

    /// `/list`: the rooms the live members announce, the lobby first, with
    /// their member counts and whether this node is in each.
    public func list(_ rooms: [(room: String, members: Int)], mine: [String]) {
        let items: [JSONValue] = rooms.map { r in
            .object([("room", .string(RoomName.display(r.room))), ("members", .int(r.members)),
                     ("in", .bool(r.room.isEmpty || mine.contains(r.room)))])
        }
        emitOrdered("list", [("rooms", .array(items))],
                    log: "rooms: " + rooms.map { "\(RoomName.display($0.room)) (\($0.members))" }.joined(separator: ", "))
    }

    /// `/whois`: what this node knows of a nick, one line a fact.
    public func whois(_ nick: String, lines: [String]) {
        emitOrdered("whois", [("nick", .string(nick)), ("lines", .array(lines.map { .string($0) }))],
                    log: "whois \(nick): " + lines.joined(separator: "; "))
    }

    public func stats(_ s: HostStats) {
        let f: [(String, JSONValue)] = [
            ("datagramsReceived", .int(s.datagramsReceived)), ("packetsDecoded", .int(s.packetsDecoded)),
            ("ownEchoes", .int(s.ownEchoes)), ("decodeDrops", .int(s.decodeDrops)), ("lastDecodeError", .opt(s.lastDecodeError)), ("privateUnopened", .int(s.privateUnopened)),
            ("authFailures", .int(s.authFailures)), ("replays", .int(s.replays)),
            ("unsealed", .int(s.unsealed)), ("sealedWithoutKey", .int(s.sealedWithoutKey)),
            ("implausibleDrops", .int(s.implausibleDrops)), ("lastImplausible", .opt(s.lastImplausible)),
            ("packetsSent", .int(s.packetsSent)), ("sendDrops", .int(s.sendDrops)), ("sendErrors", .int(s.sendErrors)),
            ("faultDropped", .int(s.faultDropped)), ("faultDuplicated", .int(s.faultDuplicated)),
            ("faultDelayed", .int(s.faultDelayed)), ("faultOverflowed", .int(s.faultOverflowed)),
            ("checkpointsWritten", .int(s.checkpointsWritten)), ("checkpointsFailed", .int(s.checkpointsFailed)),
            ("replicaAppended", .int(s.disk.appended)), ("replicaDurable", .int(s.disk.durable)),
            ("fsyncs", .int(s.disk.fsyncs)), ("fsyncMaxMicros", .int(s.disk.fsyncMaxMicros)),
            ("diskErrors", .int(s.disk.errors)), ("historyReads", .int(s.historyReads)), ("lastDiskError", .opt(s.disk.lastError)),
            ("replicaUnwritten", .int(s.disk.unwritten)), ("replicaDropped", .int(s.disk.dropped)),
            ("replicaFailingSince", s.disk.failingSinceMillis.map { .int($0) } ?? .null),
            ("replicaFirstFailure", s.disk.firstFailureMillis.map { .int($0) } ?? .null),
            ("replicaRefilling", .int(s.replicaRefilling)),
        ]
        let text = f.map { "\($0.0)=\($0.1.rendered)" }.joined(separator: " ")
        emitOrdered("stats", f, log: "stats: \(text)")
    }

    // MARK: output

    private func name(_ id: NodeID) -> String {
        nicks[id].map { "\($0)(\(id.short))" } ?? id.short
    }

    /// A rare event: its fields as values, skipped unless `events` asks for it.
    private func emitOrdered(_ event: String, _ fields: @autoclosure () -> [(String, JSONValue)], log: @autoclosure () -> String) {
        guard events.contains(named: event) else { return }
        switch style {
        case .json: line(event) { l in for (k, v) in fields() { l.value(k, v) } }
        case .log: self.log(log())
        }
    }

    /// One JSON line rendered in place at the end of `pending`.
    private func line(_ event: String, _ fields: (inout JSONLine) -> Void) {
        JSONLine.append(to: &pending, event: event, at: SystemClock.wallClockMillis(), fields)
        flushSoon()
    }

    /// One log line, stamped now; nothing a peer wrote acts on the terminal.
    private func log(_ text: String) {
        pending.append(contentsOf: (Self.clock(SystemClock.wallClockMillis()) + " " + TerminalSafety.oneLine(text) + "\n").utf8)
        flushSoon()
    }

    /// One output line (with its newline) in `style`, stamped now.
    static func render(_ style: Style, _ event: String, _ fields: [(String, JSONValue)], log: String) -> String {
        let now = SystemClock.wallClockMillis()
        switch style {
        case .json:
            var l = JSONLine(event: event)
            for (k, v) in fields { l.value(k, v) }
            l.end(at: now)
            return String(decoding: l.bytes, as: UTF8.self)
        case .log:
            return Self.clock(now) + " " + TerminalSafety.oneLine(log) + "\n"
        }
    }

    /// The `notice` line an `OutputQueue` writes where it dropped lines.
    public static func droppedNotice(_ style: Style, count: Int) -> String {
        let text = "\(count) events dropped: stdout is not read fast enough (the replica keeps every message)"
        return render(style, "notice", [("message", .string(text)), ("dropped", .int(Int64(count)))], log: text)
    }

    /// `2026-11-28 11:18:34.123` in local time.
    static func clock(_ ms: Int64) -> String {
        var t = time_t(ms / 1000)
        var tm = tm()
        localtime_r(&t, &tm)
        func pad(_ v: Int32, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return "\(pad(tm.tm_year + 1900, 4))-\(pad(tm.tm_mon + 1, 2))-\(pad(tm.tm_mday, 2)) "
            + "\(pad(tm.tm_hour, 2)):\(pad(tm.tm_min, 2)):\(pad(tm.tm_sec, 2)).\(pad(Int32(ms % 1000), 3))"
    }
}
