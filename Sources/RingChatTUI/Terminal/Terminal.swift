import CNCurses
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ncurses shell: owns the screen, turns input into `KeyEvent`s and
/// draws what the models laid out. It decides nothing about content.
///
/// Layout: the message pane fills all rows but the last two; then the
/// status bar; the input line is the bottom row.
///
/// Not thread-safe: use it from the thread that runs the poll() loop.
public final class Terminal {
    public enum StartError: Error, CustomStringConvertible {
        case notATerminal
        case cannotInitialise

        public var description: String {
            switch self {
            case .notATerminal: "stdin/stdout is not a terminal"
            case .cannotInitialise: "cannot initialise the terminal (is TERM set to a known terminal?)"
            }
        }
    }

    /// The descriptor keys arrive on, for the app's poll() set.
    public let inputFD: Int32 = 0
    public private(set) var isActive = false

    private var window: UnsafeMutablePointer<WINDOW>?
    private var hasColour = false
    private var brightColours = false

    // Colour pairs: 1...6 the nick palette, then these.
    private static let statusPair: Int16 = 7
    private static let statusHighlightPair: Int16 = 8
    private static let errorPair: Int16 = 9
    private static let mentionPair: Int16 = 10

    public init() {}

    deinit { stop() }

    /// Enters full-screen mode. Throws instead of exiting the process when
    /// there is no usable terminal (initscr would call exit(3)).
    public func start() throws {
        guard !isActive else { return }
        guard isatty(0) == 1, isatty(1) == 1 else { throw StartError.notATerminal }
        setlocale(LC_ALL, "")
        // Without a UTF-8 LC_CTYPE ncurses draws every non-ASCII character
        // as escapes: fall back to the one UTF-8 locale always present.
        if let cs = nl_langinfo(nl_item(CODESET)), String(cString: cs) != "UTF-8" {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        guard let win = cnc_init_screen() else { throw StartError.cannotInitialise }
        window = win
        isActive = true
        atexit { if !isendwin() { endwin() } }

        cbreak()
        noecho()
        nonl()
        intrflush(win, false)
        keypad(win, true)
        nodelay(win, true)
        leaveok(win, false)
        set_escdelay(25)
        curs_set(1)
        setUpColours()
        cnc_define_keys()
        // The wheel only: clicks and drags stay the terminal's (most
        // terminals select text with Shift held while an app has the mouse).
        cnc_enable_wheel()
        cnc_bracketed_paste(1)
    }

    /// Leaves full-screen mode and gives the terminal back as it was.
    /// Idempotent; also safe after a failed or no start.
    public func stop() {
        guard isActive else { return }
        isActive = false
        cnc_bracketed_paste(0)
        endwin()
    }

    /// The terminal bell (a BEL byte, or the terminal's visible bell).
    public func bell() {
        guard isActive else { return }
        beep()
    }

    /// For a last-resort path that has no `Terminal` at hand (a fatal signal
    /// handler before `_exit`): gives the terminal back if ncurses holds it.
    /// Normal exits are covered by `stop()` and by the atexit hook `start()`
    /// installs.
    public static func restoreForExit() {
        if !isendwin() {
            cnc_bracketed_paste(0)
            endwin()
        }
    }

    /// Rows and columns of the whole screen.
    public var size: (rows: Int, cols: Int) {
        guard let w = window else { return (0, 0) }
        var r: Int32 = 0, c: Int32 = 0
        cnc_getmaxyx(w, &r, &c)
        return (Int(max(0, r)), Int(max(0, c)))
    }

    /// The message pane's size for the current screen: what `ChatPane`'s
    /// `visibleRows` and page keys need.
    public var paneSize: (width: Int, height: Int) {
        let s = size
        return (s.cols, max(0, s.rows - 2))
    }

    /// Everything typed since the last call (the input side is non-blocking).
    public func readKeys() -> [KeyEvent] {
        guard let w = window else { return [] }
        var events: [KeyEvent] = []
        var code: wint_t = 0
        var lastWasEscape = false
        // A bound keeps a flood (a huge paste) from starving the network.
        for _ in 0..<4096 {
            let rc = wget_wch(w, &code)
            if rc == ERR { break }
            var event = rc == KEY_CODE_YES ? Self.specialKey(Int32(code)) : KeyEvent.fromCharacterCode(UInt32(code))
            if rc == KEY_CODE_YES && Int32(code) == KEY_MOUSE {
                let notch = cnc_wheel()
                event = notch < 0 ? .wheelUp : notch > 0 ? .wheelDown : nil
            }
            // Alt-x arrives as Esc and x together; an Esc typed alone comes
            // by itself (ncurses waited ESCDELAY for more).
            if case .character(let c)? = event, lastWasEscape {
                events[events.count - 1] = .alt(c)
                lastWasEscape = false
                continue
            }
            lastWasEscape = event == .escape
            if let event { events.append(event) }
        }
        return events
    }

    /// Call on `.resize`, then draw. ncurses has already resized its
    /// windows; the terminal itself may have reflowed the old content, so
    /// the next refresh repaints every cell instead of trusting a diff.
    public func resized() {
        guard let w = window else { return }
        clearok(w, true)
    }

    /// Ctrl-L: repaint everything on the next draw.
    public func redrawAll() { resized() }

    /// For an app whose poll() loop takes SIGWINCH itself (ncurses' own
    /// handler only sets a flag that `wget_wch` checks, so a resize would
    /// go unnoticed until the next key): resizes ncurses to the terminal's
    /// new size, which queues a `.resize` key for the next `readKeys()`.
    /// Returns true if the size changed.
    @discardableResult
    public func resizeFromTTY() -> Bool {
        guard isActive else { return false }
        let changed = cnc_resize_from_tty() == 1
        if changed { resized() }
        return changed
    }

    /// Draws one frame. Every row is cleared to its end, so nothing of an
    /// earlier, wider frame survives a resize.
    public func draw(paneRows: [Row], status: [Segment], input: InputView, prompt: [Segment] = []) {
        guard let w = window else { return }
        let (rows, cols) = size
        guard rows > 0, cols > 0 else { return }
        let paneHeight = max(0, rows - 2)
        for y in 0..<paneHeight {
            clearRow(w, y)
            if y < paneRows.count { put(w, y: y, segments: paneRows[y].segments, cols: cols, inStatus: false) }
        }
        if rows >= 2 {
            let y = Int32(rows - 2)
            let (attrs, pair) = attributes(.normal, inStatus: true)
            // The bar's background spans the whole row even if `status` is short.
            let blank = [wchar_t](repeating: wchar_t(32), count: cols)
            _ = cnc_put(w, y, 0, blank, Int32(cols), attrs, pair)
            put(w, y: rows - 2, segments: status, cols: cols, inStatus: true)
        }
        let inputY = rows - 1
        clearRow(w, inputY)
        let promptCols = put(w, y: inputY, segments: prompt, cols: cols, inStatus: false)
        put(w, y: inputY, x: promptCols, segments: [Segment(input.text)], cols: cols, inStatus: false)
        wmove(w, Int32(inputY), Int32(min(cols - 1, promptCols + input.cursorColumn)))
        wnoutrefresh(w)
        doupdate()
    }

    // MARK: drawing helpers

    private func clearRow(_ w: UnsafeMutablePointer<WINDOW>, _ y: Int) {
        wmove(w, Int32(y), 0)
        wclrtoeol(w)
    }

    /// Draws segments from column `x`, each at the column our own width
    /// table gives it (so a libc that disagrees on a character's width
    /// cannot shift the rest of the row), clipped at `cols`. Returns the
    /// column after the last one drawn.
    @discardableResult
    private func put(_ w: UnsafeMutablePointer<WINDOW>, y: Int, x: Int = 0, segments: [Segment], cols: Int, inStatus: Bool) -> Int {
        var col = x
        for seg in segments {
            guard col < cols else { break }
            var chars: [wchar_t] = []
            var width = 0
            for ch in seg.text {
                let cw = DisplayWidth.of(ch)
                if col + width + cw > cols { break }
                chars.append(contentsOf: ch.unicodeScalars.map { wchar_t(bitPattern: $0.value) })
                width += cw
            }
            if !chars.isEmpty {
                let (attrs, pair) = attributes(seg.style, inStatus: inStatus)
                _ = cnc_put(w, Int32(y), Int32(col), chars, Int32(chars.count), attrs, pair)
            }
            col += width
        }
        return col
    }

    private func attributes(_ style: Style, inStatus: Bool) -> (attr_t, Int16) {
        if inStatus {
            // Without colour the bar is reverse video; inside it only bold
            // and the highlight pair stand out against the background.
            let base: attr_t = hasColour ? cnc_a_normal() : cnc_a_reverse()
            let pair = hasColour ? Self.statusPair : 0
            switch style {
            case .highlight: return (base | cnc_a_bold(), hasColour ? Self.statusHighlightPair : 0)
            case .bold, .nick, .error, .mention: return (base | cnc_a_bold(), pair)
            case .dim: return (base | cnc_a_dim(), pair)
            case .normal: return (base, pair)
            }
        }
        switch style {
        case .normal: return (cnc_a_normal(), 0)
        case .dim: return (cnc_a_dim(), 0)
        case .bold: return (cnc_a_bold(), 0)
        case .highlight: return (cnc_a_bold() | cnc_a_reverse(), 0)
        case .nick(let i):
            guard hasColour else { return (cnc_a_bold(), 0) }
            return (cnc_a_normal(), Int16(1 + (i % NickColor.paletteSize)))
        case .error:
            return hasColour ? (cnc_a_bold(), Self.errorPair) : (cnc_a_bold(), 0)
        case .mention:
            // irssi's hilight: the line in bold yellow (underlined without colour).
            return hasColour ? (cnc_a_bold(), Self.mentionPair) : (cnc_a_bold() | cnc_a_underline(), 0)
        }
    }

    private func setUpColours() {
        guard has_colors() else { return }
        start_color()
        hasColour = true
        brightColours = cnc_colors() >= 16
        let bg: Int16 = use_default_colors() == OK ? -1 : Int16(COLOR_BLACK)
        let blue = brightColours ? Int16(12) : Int16(COLOR_BLUE)
        let palette: [Int16] = [Int16(COLOR_RED), Int16(COLOR_GREEN), Int16(COLOR_YELLOW),
                                Int16(COLOR_MAGENTA), Int16(COLOR_CYAN), blue]
        for (i, fg) in palette.enumerated() { init_pair(Int16(1 + i), fg, bg) }
        init_pair(Self.statusPair, Int16(COLOR_WHITE), Int16(COLOR_BLUE))
        init_pair(Self.statusHighlightPair, Int16(COLOR_YELLOW), Int16(COLOR_BLUE))
        init_pair(Self.errorPair, Int16(COLOR_RED), bg)
        init_pair(Self.mentionPair, Int16(COLOR_YELLOW), bg)
    }

    // MARK: keys

    static func specialKey(_ code: Int32) -> KeyEvent? {
        switch code {
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_HOME: return .home
        case KEY_END: return .end
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_ENTER: return .enter
        case KEY_RESIZE: return .resize
        case KEY_F0 + 1...KEY_F0 + 12: return .f(Int(code - KEY_F0))
        case Int32(CNC_KEY_PASTE_START): return .pasteStart
        case Int32(CNC_KEY_PASTE_END): return .pasteEnd
        case Int32(CNC_KEY_CTRL_LEFT): return .ctrlLeft
        case Int32(CNC_KEY_CTRL_RIGHT): return .ctrlRight
        default: return nil
        }
    }
}
