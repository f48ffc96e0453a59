#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// Two or three real hosts on one event loop, talking over loopback multicast.
@Suite(.serialized) struct NodeHostTests {
    final class Recorder {
        var delivered: [ChatMessage] = []
        var restored: [RestoreReport] = []
        var checkpoints: [Checkpoint] = []
        var warnings: [String] = []
        var status: NodeStatus?
        func attach(_ h: NodeHost) {
            h.onEvent = { [unowned self] e in
                switch e {
                case .delivered(let m, _): self.delivered.append(m)
                case .restored(let r): self.restored.append(r)
                case .checkpointWritten(let cp): self.checkpoints.append(cp)
                case .warning(let w): self.warnings.append(w)
                case .status(let s): self.status = s
                default: break
                }
            }
        }
    }

    func options(_ dir: String, _ nick: String, group: (String, UInt16)) -> HostOptions {
        var o = HostOptions(stateDir: dir, nick: nick)
        o.group = group.0
        o.port = group.1
        o.checkpointEvery = nil
        return o
    }

    /// Runs the loop until `done()` or the timeout; returns whether done.
    func run(_ loop: EventLoop, timeout: Duration = .seconds(30), until done: @escaping () -> Bool) throws -> Bool {
        let deadline = EventLoop.monotonicNow() + timeout
        var ok = false
        func poll() {
            if done() { ok = true; loop.stop(); return }
            if EventLoop.monotonicNow() >= deadline { loop.stop(); return }
            loop.schedule(at: EventLoop.monotonicNow() + .milliseconds(20)) { poll() }
        }
        poll()
        try loop.run()
        return ok
    }

    /// `setNick` refuses what `NickRule` refuses, with a notice in its
    /// words, and passes on what it accepts.
    @Test(arguments: ["al ice", "", "a\u{7}b", "/alice", String(repeating: "n", count: 33)])
    func setNickUsesTheOneRule(nick: String) throws {
        let tmp = TempDir("nick")
        defer { tmp.cleanup() }
        let loop = try EventLoop()
        let h = try NodeHost(options: options(tmp.file("a"), "alice", group: randomGroup()), loop: loop)
        defer { h.shutdown() }
        var notices: [String] = []
        h.onEvent = { if case .notice(let n) = $0 { notices.append(n) } }
        h.setNick(nick)
        #expect(notices == [NickRule.refusal(nick)!])
    }

    /// Hosts on one loop and one fresh group, each with its recorder; a
    /// message cache of `cache` lines when given.
    struct Ring {
        let tmp: TempDir
        let loop: EventLoop
        let group: (String, UInt16)
        var hosts: [NodeHost] = []
        var recorders: [Recorder] = []

        init(_ label: String) throws {
            tmp = TempDir(label)
            loop = try EventLoop()
            group = randomGroup()
        }

        mutating func start(_ nick: String, cache: Int? = nil) throws -> (NodeHost, Recorder) {
            var o = HostOptions(stateDir: tmp.file(nick), nick: nick)
            o.group = group.0
            o.port = group.1
            o.checkpointEvery = nil
            if let cache { o.config.recentMessages = cache }
            let h = try NodeHost(options: o, loop: loop)
            let r = Recorder()
            r.attach(h)
            try h.start()
            hosts.append(h)
            recorders.append(r)
            return (h, r)
        }

        func close() {
            for h in hosts { h.shutdown() }
            tmp.cleanup()
        }
    }

    @Test func twoHostsDeliverTheSameMessagesInTheSameOrder() throws {
        var ring = try Ring("host")
        defer { ring.close() }
        let loop = ring.loop
        let (a, ra) = try ring.start("alice")
        let (b, rb) = try ring.start("bob")
        #expect(ra.restored.count == 1 && ra.restored[0].checkpoint == nil)
        for i in 0..<10 { a.type("a\(i)"); b.type("b\(i)") }
        let ok = try run(loop) { ra.delivered.count == 20 && rb.delivered.count == 20 }
        #expect(ok, "delivered \(ra.delivered.count) and \(rb.delivered.count) of 20")
        #expect(ra.delivered.map(\.id) == rb.delivered.map(\.id))
        #expect(a.history() == b.history())
        #expect(a.stats.decodeDrops == 0)
        a.checkpoint()
        #expect(try run(loop) { ra.checkpoints.count == 1 })
        #expect(ra.checkpoints.first?.replicaCount == 20)
    }

    /// A paste (`type(lines:)`) goes out in one token visit, whether the
    /// node holds the token when it is typed or asks for it: 20 seqs in a
    /// row with no pass among them, never a first line alone. (A holder
    /// sends each line as it is typed: several `sent`, one visit.)
    @Test func linesTypedTogetherGoOutInOneVisit() throws {
        var ring = try Ring("paste")
        defer { ring.close() }
        let loop = ring.loop
        let (a, ra) = try ring.start("alice")
        let (_, rb) = try ring.start("bob")
        var sent: [ClosedRange<UInt64>] = []
        var passedDuring = false
        let record = a.onEvent
        a.onEvent = { e in
            switch e {
            case .token(.sent(_, let seqs)): sent.append(seqs)
            case .token(.passed): if !sent.isEmpty && sent.map(\.count).reduce(0, +) < 20 { passedDuring = true }
            default: break
            }
            record?(e)
        }
        #expect(try run(loop) { ra.status?.members.count == 2 && ra.status?.holder != nil })
        for round in 1...2 {
            // Once while alice holds the token, once while she does not.
            let wantHolder = round == 1
            #expect(try run(loop) { (ra.status?.holder == ra.status?.node) == wantHolder })
            sent = []
            passedDuring = false
            a.type(lines: (1...20).map { "paste \(round) line \($0)" })
            #expect(try run(loop) { rb.delivered.count == 20 * round })
            let seqs = sent.flatMap { Array($0) }
            #expect(seqs.count == 20 && zip(seqs, seqs.dropFirst()).allSatisfy { $1 == $0 + 1 }, "round \(round): \(sent)")
            #expect(!passedDuring, "round \(round): the token was passed in the middle of the paste: \(sent)")
        }
    }

    /// A newcomer catches up on more history than its peers cache: the
    /// older messages are read from their replicas by the history reader
    /// thread, off the loop, and arrive in the agreed order.
    @Test func aNewcomerGetsHistoryOlderThanThePeersCache() throws {
        var ring = try Ring("reader")
        defer { ring.close() }
        let loop = ring.loop
        let (a, ra) = try ring.start("alice", cache: 4)
        let (b, rb) = try ring.start("bob", cache: 4)
        for i in 0..<20 { a.type("a\(i)"); b.type("b\(i)") }
        #expect(try run(loop) { ra.delivered.count == 40 && rb.delivered.count == 40 })
        let (c, _) = try ring.start("carol", cache: 4)
        let ok = try run(loop) { c.history().count == 40 }
        #expect(ok, "carol holds \(c.history().count) of 40")
        #expect(c.history().map(\.id) == a.history().map(\.id))
        #expect(a.stats.historyReads + b.stats.historyReads > 0, "no history was read for carol")
    }

    /// A page of the screen read as soon as the lines are shown finds every
    /// one of them, though the node caches 4: the reader waits until the
    /// disk thread has indexed what the node handed over before the read
    /// (which would otherwise linger in its queue and wait for the next
    /// index transaction).
    @Test func aPageReadAtOnceFindsLinesTheCacheLetGo() throws {
        var ring = try Ring("page")
        defer { ring.close() }
        let loop = ring.loop
        let (a, ra) = try ring.start("alice", cache: 4)
        let (b, rb) = try ring.start("bob", cache: 4)
        for round in 1...3 {
            for i in 0..<10 { a.type("a\(round).\(i)"); b.type("b\(round).\(i)") }
            #expect(try run(loop) { ra.delivered.count == 20 * round && rb.delivered.count == 20 * round })
            var page: [ChatMessage]?
            a.readPage(.before(nil, limit: 500)) { page = $0 }
            #expect(try run(loop) { page != nil })
            #expect(page?.count == 20 * round, "round \(round): \(page?.count ?? 0) of \(20 * round) lines")
            #expect(page?.map(\.id) == ra.delivered.map(\.id))
        }
    }

    /// Input more often than every millisecond (a typed line every 0.5 ms,
    /// as under load) must not starve the node's timers: re-arming the tick
    /// on every input used to push it out by a ms each time, so periodic
    /// work (here: checkpoints every 200 ms) never ran while the load
    /// lasted. The bound is loose (2 checkpoints in up to 10 s of typing)
    /// and catches only that defect.
    @Test func timersRunUnderContinuousInput() throws {
        let tmp = TempDir("host")
        defer { tmp.cleanup() }
        let loop = try EventLoop()
        var o = options(tmp.file("a"), "alice", group: randomGroup())
        o.checkpointEvery = .milliseconds(200)
        let a = try NodeHost(options: o, loop: loop)
        let r = Recorder()
        r.attach(a)
        try a.start()
        defer { a.shutdown() }
        var typed = 0
        func typeOne() {
            typed += 1
            a.type("line \(typed)")
            loop.schedule(at: EventLoop.monotonicNow() + .microseconds(500)) { typeOne() }
        }
        typeOne()
        let ok = try run(loop) { r.checkpoints.count >= 2 }
        #expect(ok, "\(r.checkpoints.count) checkpoints while \(typed) lines were typed")
    }

    @Test func senderPeekMatchesTheCodecHeader() {
        let id = NodeID(0x0102_0304_0506_0708)
        let p = Packet(sender: id, incarnation: 7, counter: 9, body: .tokenRequest(TokenRequest(ring: nil, queued: 3)))
        #expect(NodeHost.sender(of: WireCodec.encode(p)) == id.raw)
        #expect(NodeHost.sender(of: [0x52, 0x43, 1]) == nil)
        #expect(NodeHost.sender(of: [UInt8](repeating: 0, count: 40)) == nil)
    }

    /// Alone, a node hears only itself, and the kernel filter keeps even
    /// that from its socket: heartbeats go out, nothing is read.
    @Test func ownEchoesNeverReachTheNode() throws {
        let tmp = TempDir("host")
        defer { tmp.cleanup() }
        let loop = try EventLoop()
        let a = try NodeHost(options: options(tmp.file("a"), "alice", group: randomGroup()), loop: loop)
        try a.start()
        defer { a.shutdown() }
        #expect(try run(loop) { a.stats.packetsSent >= 5 })
        #expect(a.stats.datagramsReceived == 0)
        #expect(a.stats.ownEchoes == 0)
        #expect(a.stats.decodeDrops == 0)
        #expect(a.stats.packetsDecoded == 0)
    }

    @Test func hostileDatagramsAreCountedAndIgnored() throws {
        let tmp = TempDir("host")
        defer { tmp.cleanup() }
        let g = randomGroup()
        let loop = try EventLoop()
        let a = try NodeHost(options: options(tmp.file("a"), "alice", group: g), loop: loop)
        try a.start()
        defer { a.shutdown() }
        let tx = try MulticastSocket(group: g.0, port: g.1)
        defer { tx.close() }
        var junk: [[UInt8]] = [[], [0x52], [0x52, 0x43, 1, 5, 0], [UInt8](repeating: 0xFF, count: 1400)]
        var rng = SplitMix64(seed: 5)
        for _ in 0..<200 { junk.append((0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) }
        // Valid header, then garbage.
        for _ in 0..<50 { junk.append([0x52, 0x43, WireHeader.version, UInt8(rng.next() % 9), 0] + (0..<40).map { _ in UInt8(truncatingIfNeeded: rng.next()) }) }
        for j in junk { try tx.send(j) }
        #expect(try run(loop) { a.stats.decodeDrops >= junk.count })
        #expect(a.stats.decodeDrops == junk.count)
    }

    /// The version rule: datagrams of another wire version (a node of
    /// before rooms, or a newer one) are dropped and counted, and said once
    /// per version, however many senders speak it.
    @Test func anotherWireVersionIsSaidOncePerVersion() throws {
        let tmp = TempDir("host")
        defer { tmp.cleanup() }
        let g = randomGroup()
        let loop = try EventLoop()
        let a = try NodeHost(options: options(tmp.file("a"), "alice", group: g), loop: loop)
        let r = Recorder()
        r.attach(a)
        try a.start()
        defer { a.shutdown() }
        let tx = try MulticastSocket(group: g.0, port: g.1)
        defer { tx.close() }
        var sent = 0
        // An older version (twice) and a later one.
        for v: UInt8 in [WireHeader.version - 1, WireHeader.version - 1, WireHeader.version + 1] {
            for sender in 1...20 as ClosedRange<UInt64> {
                var p = WireCodec.encode(Packet(sender: NodeID(sender), incarnation: 1, counter: sender,
                                                body: .tokenRequest(TokenRequest(ring: nil, queued: 1))))
                p[WireHeader.versionOffset] = v
                try tx.send(p)
                sent += 1
            }
        }
        #expect(try run(loop) { a.stats.decodeDrops >= sent })
        let said = r.warnings.filter { $0.contains("speaks wire version") }
        #expect(said.count == 2, "\(said)")
        #expect(said.contains { $0.contains("version \(WireHeader.version - 1),") }
                && said.contains { $0.contains("version \(WireHeader.version + 1),") })
    }

    /// Well-formed packets (they decode) whose numbers no honest node sends:
    /// dropped and counted apart from decode errors, the sender named.
    @Test func implausiblePacketsAreCountedAndIgnored() throws {
        let tmp = TempDir("host")
        defer { tmp.cleanup() }
        let g = randomGroup()
        let loop = try EventLoop()
        let a = try NodeHost(options: options(tmp.file("a"), "alice", group: g), loop: loop)
        let rec = Recorder()
        rec.attach(a)
        try a.start()
        defer { a.shutdown() }
        let tx = try MulticastSocket(group: g.0, port: g.1)
        defer { tx.close() }
        let evil = NodeID(0xbad)
        let ring = RingID(epoch: .max, creator: evil, incarnation: 1)
        let bodies: [Packet.Body] = [
            .heartbeat(Heartbeat(nick: "evil", ring: ring, queued: 0, highestEpoch: .max,
                                 digest: DigestSummary(streams: 0, messages: 0, hash: 0), page: [])),
            .token(Token(ring: RingID(epoch: 1, creator: evil, incarnation: 1), hop: .max, to: a.node.id,
                         toIncarnation: a.node.incarnation, nextSeq: .max)),
            .data(DataBatch(retransmission: true, messages: [ChatMessage(
                id: MessageID(origin: evil, incarnation: 1, counter: 1), nick: "evil", text: "poison",
                slot: Slot(ring: ring, seq: 1), timestamp: 0)])),
        ]
        for (i, b) in bodies.enumerated() {
            try tx.send(WireCodec.encode(Packet(sender: evil, incarnation: 1, counter: UInt64(i + 1), body: b)))
        }
        #expect(try run(loop) { a.stats.implausibleDrops >= bodies.count })
        #expect(a.stats.implausibleDrops == bodies.count)
        #expect(a.stats.decodeDrops == 0)
        #expect(a.stats.lastImplausible?.contains(evil.hex) == true, "\(a.stats.lastImplausible ?? "nil")")
        #expect(a.node.log.count == 0, "nothing of it was stored")
        #expect(a.node.ring.map { $0.epoch < 1000 } ?? true)
        // It still works: a line typed now is delivered.
        a.type("after the storm")
        #expect(try run(loop) { rec.delivered.contains { $0.text == "after the storm" } })
    }

    @Test func corruptNewestCheckpointAndTornReplicaTailAreRecovered() throws {
        let tmp = TempDir("host")
        defer { tmp.cleanup() }
        let g = randomGroup()
        let dir = tmp.file("a")
        var ids: [MessageID] = []
        do {
            let loop = try EventLoop()
            let a = try NodeHost(options: options(dir, "alice", group: g), loop: loop)
            let ra = Recorder(); ra.attach(a)
            try a.start()
            for i in 0..<5 { a.type("first \(i)") }
            #expect(try run(loop) { ra.delivered.count == 5 })
            a.checkpoint()
            #expect(try run(loop) { ra.checkpoints.count == 1 })
            for i in 0..<5 { a.type("second \(i)") }
            #expect(try run(loop) { ra.delivered.count == 10 })
            a.shutdown()   // checkpoint #2 covers all 10
            ids = ra.delivered.map(\.id)
            #expect(ra.checkpoints.map(\.number) == [1, 2])
        }
        // Damage: flip a byte inside checkpoint.json, tear the replica's end.
        var cp = readFile(dir + "/checkpoint.json")!
        let nick = Array("\"alice\"".utf8)
        let at = try #require((0..<(cp.count - nick.count)).first { Array(cp[$0..<($0 + nick.count)]) == nick })
        cp[at + 1] = UInt8(ascii: "A")  // "Alice": still valid JSON, wrong checksum
        writeFile(dir + "/checkpoint.json", cp)
        var rep = readFile(dir + "/replica.jsonl")!
        rep += Array("{\"id\":\"00".utf8)
        writeFile(dir + "/replica.jsonl", rep)

        let loop = try EventLoop()
        let a = try NodeHost(options: options(dir, "alice", group: g), loop: loop)
        let ra = Recorder(); ra.attach(a)
        try a.start()
        defer { a.shutdown() }
        let r = try #require(ra.restored.first)
        #expect(r.checkpoint == 1, "fell back to the previous checkpoint")
        #expect(r.warnings.contains { $0.contains("checkpoint.json is unusable") }, "\(r.warnings)")
        #expect(r.warnings.contains { $0.contains("replica: cut") }, "\(r.warnings)")
        #expect(r.incarnation == 2)
        #expect(Set(a.history().map(\.id)) == Set(ids), "no message lost")
        #expect(readFile(dir + "/replica.jsonl")! == Array(rep.dropLast(9)), "torn tail cut")
    }

    @Test func simulatedCrashRestoresFromDiskAndCatchesUp() throws {
        let tmp = TempDir("host")
        defer { tmp.cleanup() }
        let g = randomGroup()
        let loop = try EventLoop()
        let a = try NodeHost(options: options(tmp.file("a"), "alice", group: g), loop: loop)
        let b = try NodeHost(options: options(tmp.file("b"), "bob", group: g), loop: loop)
        let ra = Recorder(), rb = Recorder()
        ra.attach(a); rb.attach(b)
        try a.start(); try b.start()
        defer { a.shutdown(); b.shutdown() }
        for i in 0..<5 { b.type("b\(i)") }
        #expect(try run(loop) { ra.delivered.count == 5 && rb.delivered.count == 5 })
        a.draft = "half typed"
        a.checkpoint()
        #expect(try run(loop) { ra.checkpoints.count == 1 })
        try a.simulateCrash()
        #expect(ra.restored.count == 2)
        #expect(ra.restored.last?.checkpoint == 1)
        #expect(ra.restored.last?.incarnation == 2)
        #expect(a.draft == "half typed")
        #expect(a.history().count == 5)
        for i in 0..<5 { b.type("after \(i)") }
        #expect(try run(loop) { a.history().count == 10 && b.history().count == 10 })
        #expect(a.history() == b.history())
    }
}

extension NodeHost {
    /// The whole replica in the agreed order, the store's lines included
    /// (the host owns the store; the node only merges its cache in).
    func history() -> [ChatMessage] { node.history(from: historyStore) }
}
