#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatStorage

/// `/search` at the size of the long history (issue 19): the background
/// build of replica.search.sqlite, the queries on the search thread's own
/// terms (SearchIndex, in this process), and a real TUI's `/search` from
/// Enter to the result view on screen.
extension HistoryBench {
    /// The queries timed at `n` messages, with what they stand for (424242
    /// and 123457 at a million).
    static func searchQueries(_ n: Int) -> [(String, String)] {
        let rare = String(n / 1_000_000 * 424_242 + n % 1_000_000 * 42 / 100 + 1)
        return [
            (rare, "one line (a rare word)"),
            ("message \(rare)", "one line, two words (one of them in every line)"),
            (String(rare.prefix(4)) + "*", "a prefix"),
            ("history", "every line: the newest 200"),
            ("nick:user3 \(rare.prefix(3))*", "a column and a prefix"),
            ("zebra", "no line"),
        ]
    }

    /// Builds A's search index as the TUI's search thread would, then
    /// times each query `runs` times.
    func searchFigures(_ a: StateDirectory, n: Int, runs: Int = 21) throws {
        let t0 = BenchClock.seconds()
        let index: SearchIndex
        do { index = try SearchIndex(directory: a) } catch { throw BenchError("search index: \(error)") }
        defer { index.close() }
        let built: Int
        do { built = try index.catchUp() } catch { throw BenchError("search index build: \(error)") }
        let buildTime = BenchClock.seconds() - t0
        let size = fileSize(a.path + "/" + SearchIndex.fileName) + fileSize(a.path + "/" + SearchIndex.fileName + "-wal")
        out("search index of A: \(built) lines indexed in \(ms(buildTime)) (\(Int(Double(built) / max(buildTime, 0.001))) lines/s, the background build of an old replica), \(size / 1_048_576) MiB on disk beside a \(fileSize(a.replicaPath) / 1_048_576) MiB replica")
        for (text, what) in Self.searchQueries(n) {
            guard let q = SearchQuery(text) else { continue }
            var times: [Double] = []
            var hits = 0
            for _ in 0..<runs {
                let s = BenchClock.seconds()
                do { hits = try index.search(q, limit: 200).count } catch { throw BenchError("search \(text): \(error)") }
                times.append(BenchClock.seconds() - s)
            }
            times.sort()
            let f = { (x: Double) -> String in
                let centi = Int((x * 100_000).rounded())
                return "\(centi / 100).\(centi % 100 < 10 ? "0" : "")\(centi % 100) ms"
            }
            out("search '\(text)' (\(what)) at \(n) messages: \(hits) hits read from the replica, median \(f(times[times.count / 2])), max \(f(times.last!)) over \(runs) runs")
        }
    }

    /// A TUI on A in a private tmux server: `/search message 424242` from
    /// Enter to the result view on screen, and Enter to the line in context.
    func tuiSearch(_ a: StateDirectory, group: String, n: Int) throws {
        let tmux = ["/usr/bin/env", "tmux", "-L", "rc-bench-search-\(getpid())"]
        defer { ChildProcess.run(tmux + ["kill-server"]) }
        let argv = [options.executable, "chat", "--nick", "A", "--state-dir", a.path, "--group", group, "--checkpoint-every", "3600"]
        ChildProcess.run(tmux + ["new-session", "-d", "-s", "tui", "-x", "120", "-y", "40"] + argv)
        func screen() -> String { ChildProcess.run(tmux + ["capture-pane", "-p", "-t", "tui"]).output }
        let t0 = BenchClock.seconds()
        while !screen().contains("message \(n - 1) of") {
            if BenchClock.seconds() - t0 > options.timeout { throw BenchError("the TUI never showed the newest message") }
            usleep(20_000)
        }
        // The index may still take in lines said since it was built: let
        // the search thread catch up first (it follows every second).
        usleep(2_000_000)
        for word in Self.searchQueries(n).prefix(2).map(\.0) {
            ChildProcess.run(tmux + ["send-keys", "-t", "tui", "-l", "/search \(word)"])
            let sent = BenchClock.seconds()
            ChildProcess.run(tmux + ["send-keys", "-t", "tui", "Enter"])
            var header = ""
            while true {
                let s = screen()
                if let line = s.split(separator: "\n").first(where: { $0.hasPrefix("search \(word): 1 line in ") }) { header = String(line); break }
                if BenchClock.seconds() - sent > 30 { throw BenchError("no result view for /search \(word); screen:\n\(s)") }
                usleep(2_000)
            }
            let shown = BenchClock.seconds() - sent
            ChildProcess.run(tmux + ["send-keys", "-t", "tui", "Enter"])
            let enter = BenchClock.seconds()
            while !screen().contains("found by /search") {
                if BenchClock.seconds() - enter > 30 { throw BenchError("Enter did not show the line in context") }
                usleep(2_000)
            }
            let context = BenchClock.seconds() - enter
            let thread = header.split(separator: " ").drop { $0 != "in" }.dropFirst().prefix(2).joined(separator: " ").filter { $0 != "," }
            out("TUI on A (\(n) messages): /search \(word): result view on screen \(ms(shown)) after Enter (tmux send-keys to capture-pane, polled every 2 ms; the search thread's own time \(thread)); Enter to the line in context \(ms(context))")
            ChildProcess.run(tmux + ["send-keys", "-t", "tui", "Escape"])
            usleep(100_000)
            ChildProcess.run(tmux + ["send-keys", "-t", "tui", "Escape"])
            usleep(100_000)
        }
        ChildProcess.run(tmux + ["send-keys", "-t", "tui", "C-d"])
        usleep(500_000)
    }
}
