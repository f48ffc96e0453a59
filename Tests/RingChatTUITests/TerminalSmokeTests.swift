#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
@testable import RingChatTUI

/// A manual check of the ncurses shell, skipped unless RINGCHAT_TUI_SMOKE=1:
/// it needs a real terminal (run it inside tmux) and a person or a script
/// to type. It wires the models the way the app will, minus the network:
/// typed lines echo into the pane, PgUp/PgDn scroll, F3 marks the
/// status bar as the token log view would, Ctrl-D or /quit ends it (or RINGCHAT_TUI_SMOKE_SECONDS, default 30).
@Suite struct TerminalSmokeTests {
    static var enabled: Bool { getenv("RINGCHAT_TUI_SMOKE").map { String(cString: $0) == "1" } ?? false }

    @Test(.enabled(if: enabled)) func interactiveSession() throws {
        let seconds = getenv("RINGCHAT_TUI_SMOKE_SECONDS").flatMap { Int(String(cString: $0)) } ?? 30
        let term = Terminal()
        try term.start()
        defer { term.stop() }

        var pane = ChatPane<Int>()
        pane.utcOffsetSeconds = LocalTime.utcOffsetSeconds()
        let now = LocalTime.nowMilliseconds()
        var key = 0
        func chat(_ nick: String, _ text: String, own: Bool = false, action: Bool = false) {
            key += 1
            pane.addChat(nick: nick, text: text, isOwn: own, action: action, timestamp: now, sortKey: key * 10)
        }
        for i in 0..<40 { chat(["alice", "bob", "carol", "dave"][i % 4], "scrollback line \(i)") }
        chat("bob", "中文字符 and emoji 😀👍🏽 aligned | wide text wraps without splitting: " + String(repeating: "漢字", count: 30))
        chat("mallory\u{1B}[2J", "tries \u{1B}]0;pwned\u{07} title, \u{1B}[H\u{1B}[2J clear, \u{9B}31m CSI, \u{202E}reversed\u{202C}, bell\u{07}")
        chat("carol", "waves", action: true)
        pane.addToken("token passed to bob", timestamp: now)
        pane.addSystem("partition healed: 3 nodes", timestamp: now)
        chat("alice", "late message placed in order", own: false)

        var input = InputController()
        var tokenLog = false
        let nicks = ["alice", "albert", "bob", "carol", "dave"]
        let deadline = LocalTime.nowMilliseconds() + Int64(seconds) * 1000

        loop: while LocalTime.nowMilliseconds() < deadline {
            let (w, h) = term.paneSize
            let ring = [RingMember("alice"), RingMember("bob", isHolder: true), RingMember("carol", lag: 2), RingMember("me", isMe: true)]
            let info = StatusInfo(nick: "me", ring: ring, lag: 0,
                                  checkpointNumber: 12, checkpointAgeSeconds: 4, delay: "20-300ms",
                                  scrolledBack: pane.scrolledBack, unread: pane.unread, showingTokenLog: tokenLog)
            let promptText = "[me] "
            let view = input.editor.view(width: max(1, w - DisplayWidth.of(promptText)))
            term.draw(paneRows: pane.visibleRows(width: w, height: h),
                      status: StatusBar.render(info.items, width: w),
                      input: view, prompt: [Segment(promptText, .bold)])

            var pfd = pollfd(fd: term.inputFD, events: Int16(POLLIN), revents: 0)
            _ = poll(&pfd, 1, 250)
            for k in term.readKeys() {
                switch input.handle(k, nicks: nicks) {
                case .command(.say(let text)): chat("me", text, own: true)
                case .command(.me(let text)): chat("me", text, own: true, action: true)
                case .command(.quit): break loop
                case .command(.tokenLog):
                    tokenLog.toggle()
                case .command(.help):
                    for line in CommandParser.helpLines { pane.addSystem(line, timestamp: LocalTime.nowMilliseconds()) }
                case .command(.unknown(let name)):
                    pane.addError("unknown command /\(name) (try /help)", timestamp: LocalTime.nowMilliseconds())
                case .command(.invalid(let why)): pane.addError(why, timestamp: LocalTime.nowMilliseconds())
                case .command(let other): pane.addSystem("(smoke test) \(other)", dim: true, timestamp: LocalTime.nowMilliseconds())
                case .pageUp: pane.pageUp(width: w, height: h)
                case .pageDown: pane.pageDown(width: w, height: h)
                case .scroll(let n):
                    if n < 0 { pane.scrollUp(rows: -n, width: w, height: h) } else { pane.scrollDown(rows: n, width: w) }
                case .paste(let lines): for line in lines { chat("me", line, own: true) }
                case .pasteRefused(let n): pane.addSystem("paste of \(n) lines not sent", timestamp: LocalTime.nowMilliseconds())
                case .redraw, .resize: term.resized()
                case .none: break
                }
            }
        }
    }
}
