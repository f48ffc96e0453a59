#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import RingChatCore
import RingChatIO
import RingChatSession

/// `ringchat bench-client`: the benchmark's load made by a separate
/// program through the documented headless interface, as cpgbench is a
/// separate process from corosync. Its stdin is a `ringchat chat
/// --headless --events delivered,status,ring` node's stdout (JSON events);
/// its stdout is that node's stdin (one chat line a line). The harness
/// plumbs the two together; the client writes a `ready` line once the node
/// has started, then its `bench` report, to `reportPath`.
///
/// One thread, one poll() on stdin. Events are read in large chunks and
/// scanned as bytes: a `delivered` line's id, text and backfill are found
/// by their keys without a JSON decoder, as a light client would.
public final class BenchClient {
    private let load: BenchLoad
    private let reportFD: Int32
    private var input: [UInt8] = []
    /// Lines the load typed since the last write to the node.
    private var typed: [UInt8] = []
    private var nextTick: Instant?

    public init(options: BenchPeerOptions, reportPath: String) throws(BenchError) {
        let fd = open(reportPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("cannot open \(reportPath): \(errnoText(errno))") }
        reportFD = fd
        load = BenchLoad(options: options) { _ in }
        load.type = { [unowned self] line in
            self.typed.append(contentsOf: line.utf8)
            self.typed.append(0x0A)
        }
    }

    deinit { close(reportFD) }

    /// Runs until the node's stdout ends (the harness stopped it); the exit status.
    public func run() -> Int32 {
        signal(SIGPIPE, SIG_IGN)
        var buf = [UInt8](repeating: 0, count: 1 << 18)
        while true {
            let now = SystemClock.monotonicNow()
            let wait = nextTick.map { Int32(max(0, min(1_000, ($0 - now).milliseconds.rounded(.up)))) } ?? 1_000
            var p = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, wait) > 0 {
                let n = buf.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if n == 0 { return 0 }
                if n < 0 {
                    if errno == EINTR || errno == EAGAIN { continue }
                    return 1
                }
                input.append(contentsOf: buf[0..<n])
                consumeLines(now: SystemClock.monotonicNow())
            }
            if let t = nextTick, SystemClock.monotonicNow() >= t { nextTick = load.tick(now: SystemClock.monotonicNow()) }
            if !typed.isEmpty {
                Console.writeAll(STDOUT_FILENO, typed)
                typed.removeAll(keepingCapacity: true)
            }
            if load.isDone {
                Console.writeAll(reportFD, Array(load.report(cpuMicros: BenchLoad.ownCPUMicros(), extra: [("via", .string("headless"))]).utf8))
            }
        }
    }

    /// Every complete line in `input`, handed to the load.
    private func consumeLines(now: Instant) {
        var start = 0
        input.withUnsafeBufferPointer { all in
            while let nl = all[start...].firstIndex(of: 0x0A) {
                event(UnsafeBufferPointer(rebasing: all[start..<nl]), now: now)
                start = nl + 1
            }
        }
        input.removeFirst(start)
    }

    private func event(_ line: UnsafeBufferPointer<UInt8>, now: Instant) {
        guard let name = Scan.string(line, after: Scan.event) else { return }
        let named = { (word: [UInt8]) in line[name].elementsEqual(word) }
        if named(Scan.delivered) {
            guard let id = Scan.string(line, after: Scan.id), let (origin, incarnation, counter) = Scan.messageID(line[id]),
                  let text = Scan.string(line, after: Scan.text, from: id.upperBound) else { return }
            let body = line[text]
            load.delivered(origin: origin, incarnation: incarnation, counter: counter, first: body.first ?? 0,
                           number: BenchLoad.number(in: body), backfill: Scan.find(line, Scan.backfillTrue, from: text.upperBound) != nil,
                           now: now)
        } else if named(Scan.status) {
            var members: [UInt64] = []
            var from = 0
            while let r = Scan.string(line, after: Scan.id, from: from) {
                if let v = Scan.hex(line[r]) { members.append(v) }
                from = r.upperBound
            }
            let wasStarted = load.started != nil
            load.status(members: members, ringFormed: Scan.find(line, Scan.ringNull) == nil, now: now)
            if !wasStarted, load.started != nil { nextTick = load.tick(now: now) }
        } else if named(Scan.ring) {
            guard let kind = Scan.string(line, after: Scan.kind) else { return }
            let k = line[kind]
            if k.elementsEqual(Scan.ringChanged) { load.ringChanged(fromAnother: Scan.find(line, Scan.oldNull) == nil) }
            else if k.elementsEqual(Scan.lost) { load.lost() }
            else if k.elementsEqual(Scan.successorSilent) { load.silent() }
        } else if named(Scan.started) {
            guard let r = Scan.string(line, after: Scan.node), let me = Scan.hex(line[r]) else { return }
            load.me = me
            Console.writeAll(reportFD, Array("{\"event\":\"ready\"}\n".utf8))
        }
    }
}

/// Byte searches over one JSON event line as `EventReporter` writes it.
enum Scan {
    static let event = Array("\"event\":\"".utf8)
    static let id = Array("\"id\":\"".utf8)
    static let node = Array("\"node\":\"".utf8)
    static let text = Array(",\"text\":\"".utf8)
    static let kind = Array("\"kind\":\"".utf8)
    static let backfillTrue = Array(",\"backfill\":true".utf8)
    static let ringNull = Array(",\"ring\":null".utf8)
    static let oldNull = Array(",\"old\":null".utf8)
    static let delivered = Array("delivered".utf8)
    static let started = Array("started".utf8)
    static let status = Array("status".utf8)
    static let ring = Array("ring".utf8)
    static let ringChanged = Array("ringChanged".utf8)
    static let lost = Array("lost".utf8)
    static let successorSilent = Array("successorSilent".utf8)

    /// Where `needle` starts in `line` at or after `from`, or nil.
    static func find(_ line: UnsafeBufferPointer<UInt8>, _ needle: [UInt8], from: Int = 0) -> Int? {
        guard let first = needle.first, needle.count <= line.count else { return nil }
        let last = line.count - needle.count
        var i = from
        while i <= last {
            guard let at = line[i...last].firstIndex(of: first) else { return nil }
            var k = 1
            while k < needle.count, line[at + k] == needle[k] { k += 1 }
            if k == needle.count { return at }
            i = at + 1
        }
        return nil
    }

    /// The range of the string value after `key` (which ends with its
    /// opening quote), up to the next unescaped quote.
    static func string(_ line: UnsafeBufferPointer<UInt8>, after key: [UInt8], from: Int = 0) -> Range<Int>? {
        guard let at = find(line, key, from: from) else { return nil }
        let start = at + key.count
        var i = start
        while i < line.count {
            if line[i] == UInt8(ascii: "\\") { i += 2; continue }
            if line[i] == UInt8(ascii: "\"") { return start..<i }
            i += 1
        }
        return nil
    }

    static func hex(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> UInt64? {
        guard !s.isEmpty, s.count <= 16 else { return nil }
        var v: UInt64 = 0
        for b in s {
            let d: UInt8
            switch b {
            case 48...57: d = b - 48
            case 97...102: d = b - 87
            case 65...70: d = b - 55
            default: return nil
            }
            v = v << 4 | UInt64(d)
        }
        return v
    }

    static func decimal(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> UInt32? {
        guard !s.isEmpty, s.count <= 10 else { return nil }
        var v: UInt64 = 0
        for b in s {
            guard b >= 48 && b <= 57 else { return nil }
            v = v * 10 + UInt64(b - 48)
        }
        return UInt32(exactly: v)
    }

    /// `HEX.INCARNATION.COUNTER`, as `MessageID.text` writes it.
    static func messageID(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> (UInt64, UInt32, UInt32)? {
        guard let d1 = s.firstIndex(of: UInt8(ascii: ".")),
              let d2 = s[(d1 + 1)...].firstIndex(of: UInt8(ascii: ".")),
              let o = hex(s[s.startIndex..<d1]), let i = decimal(s[(d1 + 1)..<d2]), let c = decimal(s[(d2 + 1)...]) else { return nil }
        return (o, i, c)
    }
}
