import RingChatCore
import RingChatIO
import RingChatSession

/// The chat screen's logic, without ncurses or a socket: turns key events
/// and host events into pane lines, backend calls and frames. `ChatApp`
/// wires it to the real terminal and `NodeHost`; the unit tests to a fake
/// backend and a fake clock.
///
/// Drawing is coalesced: every change marks the controller dirty and calls
/// `onChange` (the app schedules one draw for the end of the loop turn);
/// the app calls `frame()` and then `didDraw()`.
final class ChatController {
    let backend: ChatBackend
    /// The faults the node was started with, for the status bar.
    let faults: FaultSpec
    /// The group key's fingerprint when keyed, for the status bar and /who.
    let key: String?
    /// The nick until the first status arrives.
    let initialNick: String

    /// Every mutation of a window or the token log bumps `paneVersion`, so
    /// the laid-out rows are reused while only the status bar changes (the
    /// holder moves ten times a second on an idle ring).
    /// Window 1 is the lobby; one more per room joined and per query
    /// (Windows/, ChatController+Windows.swift).
    var windows: WindowList { didSet { paneVersion &+= 1 } }
    /// The pane of the window on screen.
    var pane: ChatPane<Slot> {
        get { windows.current.pane }
        _modify { yield &windows.current.pane }
    }
    /// F3's view: every token event, passes and holder changes included.
    private(set) var tokenLogPane: ChatPane<Slot> { didSet { paneVersion &+= 1 } }
    /// The message pane shows `tokenLogPane` instead of the conversation.
    var showingTokenLog = false
    /// `/search`'s result view, and the line it jumped to in context
    /// (ChatController+Search.swift, Search/).
    var search: SearchMode?
    private var paneVersion: UInt64 = 0
    private var rowsCache: (version: UInt64, log: Bool, width: Int, height: Int, rows: [Row])?
    private(set) var input = InputController()
    private(set) var status: NodeStatus?
    private var sendLine = SendLine()
    private var members = MemberTracker()
    var names = NickBook()
    /// Away notes by node, from the `is away` actions seen (`AwayNote`).
    private var away: [NodeID: String] = [:]
    private(set) var mentions: MentionMatcher
    private(set) var bellMode: BellMode = .mentions
    /// Peers' lines in the window on screen while you were scrolled back
    /// or in F3 (each window keeps its own).
    var activity: Activity {
        get { windows.current.activity }
        _modify { yield &windows.current.activity }
    }
    /// The checkpoint period, to tell a skipped (nothing new) checkpoint
    /// from a late one.
    let checkpointEvery: Duration?
    /// The last start or restore: a checkpoint restored from disk is old,
    /// and only a whole period after this says the node chose to skip.
    private var restoredAt: Instant?
    private var catchUp: CatchUpTracker?
    private var recentSpeakers: [String] = []
    private var checkpointRequested = false
    private var crashing = false
    private var syncedDraft = ""
    private var lastDrawnStatus: StatusInfo?

    var latency: LatencyProbe?
    /// Width and height of the message pane (the app keeps it current).
    var paneSize: (width: Int, height: Int) = (80, 22)
    /// Called whenever something on screen changed.
    var onChange: (() -> Void)?
    /// Rings the terminal bell (a mention, or any line with `/bell all`).
    var onBell: (() -> Void)?

    /// The clocks, injected so that tests control time.
    let monotonic: () -> Instant
    let wall: () -> Int64

    private(set) var dirty = true
    /// Ctrl-L or a resize: the next draw repaints every cell.
    private(set) var repaintAll = false
    /// Set when the app should end, with its exit status.
    private(set) var exitStatus: Int32?
    /// What to print after leaving the screen (a fatal error).
    private(set) var exitMessage: String?

    init(backend: ChatBackend, nick: String, faults: FaultSpec = .none, key: String? = nil, utcOffsetSeconds: Int = 0,
         highlights: [String] = [], checkpointEvery: Duration? = nil,
         capacity: Int = 10_000, tokenLogCapacity: Int = 2_000,
         monotonic: @escaping () -> Instant, wall: @escaping () -> Int64) {
        self.backend = backend
        self.mentions = MentionMatcher(nick: nick, highlights: highlights)
        self.checkpointEvery = checkpointEvery
        self.initialNick = nick
        self.faults = faults
        self.key = key
        self.monotonic = monotonic
        self.wall = wall
        windows = WindowList(capacity: capacity, utcOffsetSeconds: utcOffsetSeconds)
        tokenLogPane = ChatPane(capacity: tokenLogCapacity)
        tokenLogPane.utcOffsetSeconds = utcOffsetSeconds
        tokenLogPane.addSystem("the token's full log: every grant and pass this node saw (F3 returns to the conversation)",
                               dim: false, timestamp: wall())
    }

    // MARK: lines

    func system(_ text: String, dim: Bool = true) {
        pane.addSystem(text, dim: dim, timestamp: wall())
        markDirty()
    }

    func error(_ text: String) {
        pane.addError(text, timestamp: wall())
        markDirty()
    }

    func markDirty() {
        dirty = true
        onChange?()
    }

    // MARK: keys

    /// Handles what one poll() wake-up read. `at`: when the keys arrived
    /// (the latency probe times Enter from there).
    func handle(keys: [KeyEvent], at t: Instant) {
        guard !keys.isEmpty else { return }
        for k in keys {
            if searchKey(k) { continue }
            perform(input.handle(k, nicks: completionNicks()), at: t)
            if exitStatus != nil { break }
        }
        syncDraft()
        noteWhereYouAre()
        markDirty()
    }

    /// Looking at the live end of the conversation: what happened
    /// meanwhile has been seen.
    var atLiveEnd: Bool { !showingTokenLog && !pane.scrolledBack && !pane.detached }

    /// About to look away from the live end (scroll back, F3): the read
    /// marker goes where you were.
    func leavingLiveEnd() {
        guard atLiveEnd else { return }
        pane.placeReadMarker(timestamp: wall())
    }

    func noteWhereYouAre() {
        guard atLiveEnd else { return }
        activity.clear()
        pane.dropIdleReadMarker()
    }

    private func perform(_ action: InputAction, at t: Instant) {
        let (w, h) = paneSize
        switch action {
        case .none: break
        case .command(let c): run(c, at: t)
        case .pageUp:
            if showingTokenLog {
                tokenLogPane.pageUp(width: w, height: h)
            } else {
                leavingLiveEnd()
                // Near the top of the window: read the page before it from
                // the replica, so PgUp goes all the way to the first line.
                if pane.rowsAboveView(width: w, height: h, limit: h) < h { loadOlder() }
                pane.pageUp(width: w, height: h)
            }
        case .pageDown:
            if showingTokenLog {
                tokenLogPane.pageDown(width: w, height: h)
            } else {
                if pane.detached, pane.rowsBelowView(width: w, limit: h) < h { loadNewer() }
                pane.pageDown(width: w, height: h)
            }
        case .scroll(let rows):
            if showingTokenLog {
                if rows < 0 { tokenLogPane.scrollUp(rows: -rows, width: w, height: h) } else { tokenLogPane.scrollDown(rows: rows, width: w) }
            } else if rows < 0 {
                leavingLiveEnd()
                if pane.rowsAboveView(width: w, height: h, limit: h) < h { loadOlder() }
                pane.scrollUp(rows: -rows, width: w, height: h)
            } else {
                if pane.detached, pane.rowsBelowView(width: w, limit: h) < h { loadNewer() }
                pane.scrollDown(rows: rows, width: w)
            }
        case .paste(let lines):
            showingTokenLog = false
            // Queued in one turn, so one token visit sends them (up to the
            // node's batch of 64 lines); pasted text is never a command.
            for line in lines { latency?.entered(line, at: t) }
            sendLines(lines)
            followNewest()
        case .pasteRefused(let n):
            system("paste of \(n) lines not sent", dim: false)
        case .redraw, .resize: repaintAll = true
        }
    }

    private func run(_ command: Command, at t: Instant) {
        // Any other command answers in the conversation: show it.
        if command != .tokenLog { showingTokenLog = false }
        search = nil
        switch command {
        case .say(let text): send(text, kind: .text, at: t)
        case .me(let text):
            if windows.current.isQuery {
                error("/me is not sent privately: type the line itself (or /window 1 for #lobby)")
            } else {
                send(text, kind: .action, at: t)
            }
        case .nick(let n):
            let before = status?.nick
            backend.setNick(n)
            // Renamed instead (a live member holds n): the host's notice
            // said "nick n is in use by …; you are n_".
            if let now = status?.nick, now != before, now != n { mentions.setNick(now); break }
            mentions.setNick(n)
            system("you are now known as \(n)")
        case .who:
            for line in WhoView.lines(status, key: key) { system(line, dim: false) }
        case .names:
            for line in NamesView.lines(status, away: away) { system(line, dim: false) }
        case .away(let reason):
            // Away is news for everyone: the lobby, wherever it was typed.
            latency?.entered(AwayNote.action(reason: reason), at: t)
            backend.type(AwayNote.action(reason: reason), kind: .action, room: RoomName.lobby)
            if windows.current.isLobby { followNewest() }
        case .clear:
            if showingTokenLog {
                tokenLogPane.removeAll()
            } else {
                pane.removeAll()
                windows.current.readBackFrom = nil
                windows.current.readForwardFrom = nil
            }
            activity.clear()
        case .bell(let mode):
            if let mode { bellMode = mode }
            system("bell: \(bellMode.rawValue) (/bell off|mentions|all)", dim: false)
        case .help:
            for line in CommandParser.helpLines { system(line, dim: false) }
        case .checkpoint:
            syncDraft()
            checkpointRequested = true
            backend.checkpoint()
        case .crash: crash()
        case .tokenLog:
            if !showingTokenLog { leavingLiveEnd() }
            showingTokenLog.toggle()
        case .search(let words, let lastlog): startSearch(words, lastlog: lastlog)
        case .quit: exitStatus = 0
        case .unknown(let name):
            error("unknown command /\(name): not sent (/help lists the commands; //\(name) sends it as text)")
        case .invalid(let why): error(why)
        case .join(let rooms): join(rooms)
        case .part(let room): part(room)
        case .list: listRooms()
        case .window(let n): selectWindow(number: n)
        case .msg(let nick, let text): sendPrivate(to: nick, text, at: t)
        case .query(let nick): query(nick)
        case .whois(let nick): for line in backend.whois(nick) { system(line, dim: false) }
        }
    }

    /// A typed line goes to the window's room, or in a query window to
    /// its peer alone.
    private func send(_ text: String, kind: MessageKind, at t: Instant) {
        latency?.entered(text, at: t)
        if let peer = windows.current.peer {
            sendPrivate(to: peerName(peer), text, at: t)
        } else {
            backend.type(text, kind: kind, room: windows.current.room)
        }
        followNewest()
    }

    private func sendLines(_ lines: [String]) {
        if let peer = windows.current.peer {
            let nick = peerName(peer)
            for line in lines { sendPrivate(to: nick, line, at: nil) }
        } else {
            backend.type(lines: lines, kind: .text, room: windows.current.room)
        }
    }

    /// Sending is taking part: back to the newest lines, as irssi does.
    private func followNewest() {
        if pane.detached {
            windows.current.pageEpoch &+= 1
            let epoch = windows.current.pageEpoch
            let room = windows.current.room
            backend.readPage(.before(nil, limit: pane.capacity)) { [weak self] newest in
                guard let self, let i = self.windows.index(of: room), epoch == self.windows[i].pageEpoch,
                      self.windows[i].pane.detached else { return }
                self.windows[i].pane.replaceWithNewest(self.entries(newest, in: room))
                self.windows[i].readBackFrom = newest.first?.slot
                self.windows[i].readForwardFrom = nil
                self.markDirty()
            }
        } else {
            pane.scrollToBottom()
        }
    }

    /// F9 or /crash.
    private func crash() {
        syncDraft()
        system("crash simulated (F9): in-memory state dropped", dim: false)
        crashing = true
        defer { crashing = false }
        catchUp = nil
        do {
            try backend.simulateCrash()
        } catch {
            self.error("restart after the simulated crash failed: \(error)")
            exitMessage = "ringchat: restart after the simulated crash failed: \(error)"
            exitStatus = 1
        }
    }

    /// The checkpoint carries the draft: keep the node's copy current so a
    /// periodic checkpoint saves what is on the input line.
    private func syncDraft() {
        let text = input.editor.text
        guard text != syncedDraft else { return }
        syncedDraft = text
        backend.draft = text
    }

    /// Candidates for Tab: the latest speakers first, then the ring.
    private func completionNicks() -> [String] {
        var out = recentSpeakers
        let mine = status?.nick ?? initialNick
        for m in status?.members ?? [] where m.id != status?.node && m.nick != "?" { out.append(m.nick) }
        var seen = Set<String>()
        return out.filter { $0 != mine && seen.insert($0).inserted }
    }

    // MARK: host events

    func handle(_ event: HostEvent) {
        let now = monotonic()
        switch event {
        case .delivered(let m, let backfill): deliver(m, backfill: backfill, now: now)
        case .token(let t):
            switch sendLine.update(for: t, now: now, name: names.name) {
            case .add(let text, let tag)?:
                pane.add(PaneEntry(kind: .token(text: text), timestamp: wall(), tag: tag))
            case .replace(let text, let tag)?:
                // In the window the line was sent from, even if another is
                // on screen now.
                for i in 0..<windows.count where windows[i].pane.update(tag: tag, { $0.kind = .token(text: text) }) { break }
            case nil: break
            }
            let full = TokenLog.logLine(for: t, name: names.name)
            if full.routine {
                tokenLogPane.addToken(full.text, timestamp: wall())
            } else {
                tokenLogPane.addSystem(full.text, dim: false, timestamp: wall())
            }
        case .status(let s):
            status = s
            names.learn(s)
            if s.nick.lowercased() != mentions.words.first { mentions.setNick(s.nick) }
            syncWindows(s)
            tellMembers(s, now: now)
            checkCatchUp(now: now)
        case .restored(let r): restored(r, now: now)
        case .checkpointWritten(let cp):
            if checkpointRequested {
                checkpointRequested = false
                let draft = cp.draft.isEmpty ? "" : ", your draft"
                system("checkpoint #\(cp.number) written: \(cp.replicaCount) replica lines, \(cp.outbox.count) unsent\(draft)", dim: false)
            }
        case .notice(let text): pane.addSystem(text, dim: false, timestamp: wall())
        case .warning(let text): pane.addError(text, timestamp: wall())
        }
        markDirty()
    }

    private func deliver(_ m: ChatMessage, backfill: Bool, now: Instant) {
        let own = m.id.origin == backend.nodeID
        names.learn(m.id.origin, m.nick)
        if m.kind == .action { noteAway(m) }
        catchUp?.delivered(at: now)
        // A room this node is not in, or a private message between two
        // others: not on this screen.
        guard let i = window(for: m) else { return }
        let mention = !own && mentions.matches(m.text)
        var e = entry(m)
        e.mention = mention
        windows[i].pane.add(e)
        if !own {
            // A private message to you is marked and rings like a mention
            // (it is for you), but is not drawn highlighted: in its window
            // every line would be.
            let forYou = mention || m.kind == .private
            if i != windows.currentIndex || !atLiveEnd { windows[i].activity.add(mention: forYou) }
            // Lines fetched while catching up, or repaired late, are old
            // news: no bell for them.
            if !backfill, catchUp == nil, bellMode.rings(mention: forYou) { onBell?() }
        }
        latency?.lineDelivered()
        if own {
            latency?.deliveredOwn(m.text)
        } else {
            recentSpeakers.removeAll { $0 == m.nick }
            recentSpeakers.insert(m.nick, at: 0)
            if recentSpeakers.count > 32 { recentSpeakers.removeLast() }
        }
    }

    private func restored(_ r: RestoreReport, now: Instant) {
        sendLine.reset()
        restoredAt = now
        // Pages asked of the node before it restarted are never answered.
        for i in 0..<windows.count {
            windows[i].olderInFlight = false
            windows[i].newerInFlight = false
            windows[i].pageEpoch &+= 1
        }
        // Peers are heard again within a few heartbeats: not departures.
        members.quietLeaves(until: now + .seconds(2))
        greetingTag = nil
        let what = r.checkpoint.map { "restored checkpoint #\($0) (\(r.checkpointMessages) messages)" }
        if crashing {
            pane.addSystem((what ?? "no checkpoint to restore") + " + replayed \(r.replayed) from the replica; catching up from peers…",
                           dim: false, timestamp: wall())
            catchUp = CatchUpTracker(since: now)
        } else {
            loadHistory()
            // A restart with state behind it (after a kill, say) has missed
            // what was said meanwhile: say when it has caught up.
            let resumed = r.checkpoint != nil || r.replayed > 0
            pane.addSystem(Self.welcome(r), dim: !resumed, timestamp: wall())
            if resumed { catchUp = CatchUpTracker(since: now) }
            if input.editor.isEmpty && !r.draft.isEmpty {
                input.editor.setText(r.draft)
                syncedDraft = r.draft
                pane.addSystem("your unsent draft is back on the input line", dim: true, timestamp: wall())
            }
        }
        if r.outbox > 0 {
            pane.addSystem("\(r.outbox) unsent line\(r.outbox == 1 ? "" : "s") recovered from the checkpoint: sent with the next token",
                           dim: false, timestamp: wall())
        }
        for w in r.warnings { pane.addError(w, timestamp: wall()) }
    }

    /// The first line of a start, in plain words (incarnations and
    /// replicas are the README's business; the numbers stay for whoever
    /// wonders what was read).
    static func welcome(_ r: RestoreReport) -> String {
        let n = r.checkpointMessages + r.replayed
        guard r.checkpoint != nil || r.replayed > 0 else { return "first start here: no history yet" }
        let saved = r.checkpoint.map { "checkpoint #\($0) + \(r.replayed) later from disk" } ?? "\(r.replayed) from disk"
        return "welcome back: \(n) earlier message\(n == 1 ? "" : "s") (\(saved)); catching up from peers…"
    }

    /// `* bob is away: lunch` and `* bob is back` (see `AwayNote`).
    private func noteAway(_ m: ChatMessage) {
        switch AwayNote.parse(m.text) {
        case .away(let reason)?: away[m.id.origin] = reason
        case .back?: away[m.id.origin] = nil
        case nil: break
        }
    }

    /// On start the pane shows the replica (its newest `capacity` lines).
    /// After a simulated crash it is not reloaded: every line on screen was
    /// flushed to the replica before the crash, so the restore gives the
    /// same lines back, and the ones fetched from peers arrive as
    /// deliveries at their place in the order.
    /// Read at once: on start, before the node has a ring to keep turning
    /// (the scroll-back's pages are read off the loop, `loadOlder`).
    private func loadHistory() {
        let me = backend.nodeID
        for m in backend.history(before: nil, limit: pane.capacity) {
            names.learn(m.id.origin, m.nick)
            if m.kind == .action { noteAway(m) }
            if let key = WindowList.key(of: m, me: me), let i = windows.index(of: key) { windows[i].pane.add(entry(m)) }
        }
    }

    /// Lines read back from the replica per step of scrolling beyond the
    /// window.
    static let historyPage = 500

    /// The page before the pane's first line, read off the loop thread
    /// (`ChatBackend.readPage`): PgUp goes on with what the pane holds, and
    /// the page lands above it when it comes (the view stays where it is).
    /// One page at a time; an answer for a pane that has changed since
    /// (a newer page asked for, back to the newest lines) is dropped.
    ///
    /// A page holds every room's lines, maybe none of this window's: the
    /// window remembers how far back it has read (`readBackFrom`), so the
    /// next PgUp goes on from there.
    private func loadOlder() {
        let w = windows.current
        guard !w.olderInFlight, let first = w.readBackFrom ?? w.pane.firstKey else { return }
        windows.current.olderInFlight = true
        let (epoch, room) = (w.pageEpoch, w.room)
        backend.readPage(.before(first, limit: Self.historyPage)) { [weak self] older in
            guard let self, let i = self.windows.index(of: room) else { return }
            self.windows[i].olderInFlight = false
            guard epoch == self.windows[i].pageEpoch, (self.windows[i].readBackFrom ?? self.windows[i].pane.firstKey) == first,
                  let oldest = older.first?.slot else { return }
            self.windows[i].readBackFrom = oldest
            self.windows[i].pane.prepend(self.entries(older, in: room))
            self.markDirty()
        }
    }

    private func loadNewer() {
        let w = windows.current
        guard !w.newerInFlight, let last = w.readForwardFrom ?? w.pane.lastKey else { return }
        windows.current.newerInFlight = true
        let (epoch, room) = (w.pageEpoch, w.room)
        backend.readPage(.after(last, limit: Self.historyPage)) { [weak self] newer in
            guard let self, let i = self.windows.index(of: room) else { return }
            self.windows[i].newerInFlight = false
            guard epoch == self.windows[i].pageEpoch, self.windows[i].pane.detached,
                  (self.windows[i].readForwardFrom ?? self.windows[i].pane.lastKey) == last else { return }
            let end = newer.count < Self.historyPage
            self.windows[i].readForwardFrom = end ? nil : newer.last?.slot
            self.windows[i].pane.appendNewer(self.entries(newer, in: room), reachedEnd: end)
            self.markDirty()
        }
    }

    /// The pane entries of `ms` that belong in the window of `room`.
    func entries(_ ms: [ChatMessage], in room: String) -> [PaneEntry<Slot>] {
        let me = backend.nodeID
        return ms.filter { WindowList.key(of: $0, me: me) == room }.map(entry)
    }

    func entry(_ m: ChatMessage) -> PaneEntry<Slot> {
        let own = m.id.origin == backend.nodeID
        let kind: PaneEntry<Slot>.Kind = m.kind == .action ? .action(nick: m.nick, text: m.text, isOwn: own)
                                                           : .chat(nick: m.nick, text: m.text, isOwn: own)
        return PaneEntry(kind: kind, timestamp: m.timestamp, sortKey: m.slot)
    }

    private func checkCatchUp(now: Instant) {
        guard var c = catchUp else { return }
        if c.update(status, now: now) {
            catchUp = nil
            let n = c.fetched
            pane.addSystem("caught up: lag 0, \(n) message\(n == 1 ? "" : "s") fetched from peers since the restore",
                           dim: false, timestamp: wall())
            markDirty()
        } else {
            catchUp = c
        }
    }

    /// The tag of the greeting line, `in the ring with you: …`, which
    /// grows in place as peers are met after a start.
    private var greetingTag: Int?
    private static let greetingTagBase = 1 << 40

    /// Members' comings and goings as lines; true if any was shown.
    @discardableResult
    private func tellMembers(_ s: NodeStatus, now: Instant) -> Bool {
        let news = members.news(s, now: now)
        // The ring's comings and goings are the lobby's news (window 1).
        if let g = news.greeting {
            let rewritten = greetingTag.map { tag in windows[0].pane.update(tag: tag) { $0.kind = .system(text: g, dim: false) } } ?? false
            if !rewritten {
                // Apart from `SendLine`'s tags, which count up from 1.
                greetingTag = (greetingTag ?? Self.greetingTagBase) + 1
                windows[0].pane.add(PaneEntry(kind: .system(text: g, dim: false), timestamp: wall(), tag: greetingTag))
            }
        }
        for line in news.lines { windows[0].pane.addSystem(line, dim: false, timestamp: wall()) }
        return news.greeting != nil || !news.lines.isEmpty
    }

    // MARK: time

    /// Once a second: the checkpoint's age, the end of a catch-up or of the
    /// quiet time after a restart. Redraws only if the status bar changed.
    func tick() {
        let now = monotonic()
        checkCatchUp(now: now)
        if let s = status, tellMembers(s, now: now) { markDirty() }
        if statusInfo() != lastDrawnStatus { markDirty() }
    }

    // MARK: drawing

    func statusInfo() -> StatusInfo {
        let shown = showingTokenLog ? tokenLogPane : pane
        let screen = StatusModel.Screen(scrolledBack: shown.scrolledBack, unread: shown.unread, activity: activity,
                                        showingTokenLog: showingTokenLog, names: names, away: Set(away.keys),
                                        window: WindowLabel(number: windows.currentNumber, name: windows.current.name, count: windows.count),
                                        windowActivity: windows.activityList)
        // Within a period of the start the node has not yet had its chance
        // to checkpoint: an old checkpoint is not "current" then.
        var seenAPeriod = false
        if let since = restoredAt, let every = checkpointEvery { seenAPeriod = monotonic() - since > every + StatusModel.checkpointSlack }
        return StatusModel.info(status: status, nick: initialNick, faults: faults, key: key, nowWallMs: wall(),
                                checkpointEvery: seenAPeriod ? checkpointEvery : nil, screen: screen)
    }

    /// Lays out the screen for `paneSize`.
    func frame() -> Frame {
        let (w, h) = paneSize
        let info = statusInfo()
        lastDrawnStatus = info
        let promptText = "[\(Sanitizer.nick(status?.nick ?? initialNick))] "
        let promptWidth = DisplayWidth.of(promptText)
        // A prompt wider than half the screen would leave no room to type.
        var prompt = promptWidth <= w / 2 ? [Segment(promptText, .bold)] : []
        var view = input.editor.view(width: max(1, w - (prompt.isEmpty ? 0 : promptWidth)))
        if let lines = input.pendingPaste {
            // The question replaces the line until it is answered.
            prompt = [Segment(PastePolicy.question(lines.count), .highlight), Segment(" ")]
            view = InputView(text: "", cursorColumn: 0)
        }
        let rows: [Row]
        if let s = searchRows(width: w, height: h) {
            rows = s
        } else if let c = rowsCache, c.version == paneVersion, c.log == showingTokenLog, c.width == w, c.height == h {
            rows = c.rows
        } else {
            rows = (showingTokenLog ? tokenLogPane : pane).visibleRows(width: w, height: h)
            rowsCache = (paneVersion, showingTokenLog, w, h, rows)
        }
        return Frame(paneRows: rows,
                     status: StatusBar.render(info.items, width: w), input: view, prompt: prompt)
    }

    func didDraw() {
        dirty = false
        repaintAll = false
    }
}
