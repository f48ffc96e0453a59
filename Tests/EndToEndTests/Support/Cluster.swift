import Foundation
import Glibc
import Testing

/// The built `ringchat` next to the test bundle (SwiftPM puts both in the
/// same bin dir), or $RINGCHAT_BIN.
let ringchatBinary: String = {
    if let p = ProcessInfo.processInfo.environment["RINGCHAT_BIN"] { return p }
    let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var dir = (exe as NSString).deletingLastPathComponent
    // On some layouts the runner sits inside the .xctest bundle.
    while !dir.isEmpty && dir != "/" {
        let candidate = dir + "/ringchat"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = (dir as NSString).deletingLastPathComponent
    }
    return "ringchat"
}()

/// One ringchat node under test, restartable on its state dir. Chat peers
/// write JSON Lines; a server writes its human log.
final class Peer {
    enum Kind { case chat, server }
    let name: String
    let kind: Kind
    let dir: String
    let logDir: String
    var args: [String]
    /// Put before the binary, e.g. `ip netns exec NS`.
    var prefix: [String] = []
    private(set) var child: Child?
    /// One output file per run, oldest first.
    private(set) var runs: [EventFile] = []

    init(name: String, kind: Kind, dir: String, logDir: String, args: [String]) {
        self.name = name
        self.kind = kind
        self.dir = dir
        self.logDir = logDir
        self.args = args
    }

    func start() throws {
        let n = runs.count
        let out = "\(logDir)/\(name).\(n).out", err = "\(logDir)/\(name).\(n).err"
        // Every event: the tests follow the token too.
        let sub = kind == .chat ? ["chat", "--headless", "--events", "all"] : ["server"]
        child = try Child(prefix + [ringchatBinary] + sub + args + ["--nick", name, "--state-dir", dir],
                          stdout: out, stderr: err, stdin: kind == .chat)
        runs.append(EventFile(out))
    }

    var isRunning: Bool { child?.isRunning ?? false }
    var pid: pid_t? { child?.pid }

    @discardableResult
    func send(_ lines: [String]) -> Bool { child?.send(lines) ?? false }

    func kill() { child?.kill() }
    func signal(_ sig: Int32) { child?.signal(sig) }

    /// SIGTERM and wait; returns the exit code (nil if it had to be killed).
    func stop(timeout: Double = 10) -> Int32? {
        guard let c = child else { return nil }
        c.signal(SIGTERM)
        if !c.wait(timeout: timeout) { c.kill(); return nil }
        return c.exitCode
    }

    // MARK: JSON peers

    /// Every event of every run, in order.
    func events() -> [Event] { runs.flatMap { $0.refresh() } }
    /// Events of the current run.
    func current() -> [Event] { runs.last?.refresh() ?? [] }

    func delivered(currentRunOnly: Bool = false) -> [Event] {
        (currentRunOnly ? current() : events()).filter { $0.name == "delivered" }
    }

    var nodeID: String? { events().first { $0.name == "started" }?.string("node") }

    var lastStatus: Event? { current().last { $0.name == "status" } }

    var holder: String? { current().last { $0.name == "token" }?.string("holder") }

    // MARK: server log

    func logLines() -> [String] {
        runs.flatMap { f in
            ((try? String(contentsOfFile: f.path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    /// Message ids in the order the server log says they were delivered.
    func loggedDeliveries() -> [String] {
        logLines().compactMap { line in
            let t = line.split(separator: " ", maxSplits: 5)
            guard t.count >= 5, t[2] == "delivered" else { return nil }
            return String(t[4])
        }
    }

    func tail(_ n: Int = 15) -> String {
        guard let f = runs.last else { return "(never started)" }
        let text = (try? String(contentsOfFile: f.path, encoding: .utf8)) ?? ""
        let err = child?.stderrText() ?? ""
        return "--- \(name) stdout tail:\n" + text.split(separator: "\n").suffix(n).joined(separator: "\n")
            + (err.isEmpty ? "" : "\n--- \(name) stderr:\n" + err)
    }
}

/// A set of peers on one fresh multicast group, in one temp dir. `close()`
/// kills every child by pid and removes the temp dir.
final class Cluster {
    let root: String
    let group: String
    let port: UInt16
    var peers: [Peer] = []

    init(label: String) {
        var template = Array("/tmp/ringchat-e2e-\(label)-XXXXXX".utf8CString)
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        root = String(cString: p!)
        group = "239.\(Int.random(in: 1...254)).\(Int.random(in: 1...254)).\(Int.random(in: 1...254))"
        port = UInt16.random(in: 40_000...60_999)
    }

    @discardableResult
    func add(_ name: String, _ kind: Peer.Kind = .chat, extra: [String] = [], interface: String = "127.0.0.1") -> Peer {
        let p = Peer(name: name, kind: kind, dir: root + "/state-" + name, logDir: root,
                     args: ["--group", "\(group):\(port)", "--interface", interface] + extra)
        peers.append(p)
        return p
    }

    var chatPeers: [Peer] { peers.filter { $0.kind == .chat } }

    func startAll() throws { for p in peers { try p.start() } }

    /// Waits until every running chat peer sees `n` members.
    func waitForMembers(_ n: Int, timeout: Double = 15) -> Bool {
        waitUntil(timeout) {
            chatPeers.filter(\.isRunning).allSatisfy { ($0.lastStatus?.members.count ?? 0) == n }
        }
    }

    func replicaPath(_ p: Peer) -> String { p.dir + "/replica.jsonl" }

    func diagnostics() -> String {
        "logs in \(root)\n" + peers.map { $0.tail() }.joined(separator: "\n")
    }

    func close() {
        for p in peers { p.kill() }
        if ProcessInfo.processInfo.environment["RINGCHAT_E2E_KEEP"] == "1" {
            print("kept \(root)")
        } else {
            try? FileManager.default.removeItem(atPath: root)
        }
    }
}
