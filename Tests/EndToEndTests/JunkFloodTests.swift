import Foundation
import Glibc
import RingChatCore
import RingChatIO
import Synchronization
import Testing

extension EndToEnd {
    @Suite struct JunkFlood {
        /// A ring of four chats (three headless peers type a line every
        /// 100 ms) while 100,000 junk datagrams hit the group: random bytes,
        /// JSON from "another chat program", RingChat headers cut short,
        /// packets of an unknown version, valid packets with bytes appended.
        /// No node crashes; every line is delivered everywhere in one order;
        /// the replicas end identical; each peer's decode-drop counter
        /// equals the junk its socket received (the junk sent, less what the
        /// kernel itself dropped for a full socket buffer, read from
        /// /proc/net/udp). The longest delivery gap during the flood is
        /// printed; only a stall of 5 s (a node that stopped serving the
        /// ring) fails the test.
        @Test func aRingKeepsChattingThroughAJunkFlood() throws {
            let total = Int(ProcessInfo.processInfo.environment["RINGCHAT_E2E_JUNK"] ?? "") ?? 100_000
            let c = Cluster(label: "junk")
            defer { c.close() }
            let server = c.add("server", .server)
            let peers = ["alice", "bob", "carol"].map { c.add($0) }
            try c.startAll()
            try #require(c.waitForMembers(4), "\(c.diagnostics())")
            try #require(waitUntil(10) { peers.allSatisfy { $0.holder != nil } }, "no token\n\(c.diagnostics())")

            let flood = JunkSender(group: c.group, port: c.port, total: total)
            let thread = Thread { flood.run() }
            thread.start()
            var typed = 0
            let floodStart = wallMillis()
            while !flood.done.load(ordering: .acquiring) {
                for p in peers { typed += 1; p.send(["\(p.name) during the flood \(typed)"]) }
                sleep(seconds: 0.1)   // typing pace, not synchronisation
            }
            let floodEnd = wallMillis()
            let sent = flood.sent.load(ordering: .acquiring)
            print("junk flood: \(sent) of \(total) junk datagrams sent in \(floodEnd - floodStart) ms while \(typed) lines were typed")
            #expect(sent >= total * 9 / 10, "the sender could only send \(sent) of \(total)")

            let delivered = waitUntil(30) { peers.allSatisfy { $0.delivered().count == typed } }
            try #require(delivered, "not every line delivered: \(peers.map { "\($0.name) \($0.delivered().count)/\(typed)" })\n\(c.diagnostics())")
            let order = peers[0].delivered().compactMap { $0.string("id") }
            for p in peers {
                let same = p.delivered().compactMap { $0.string("id") } == order
                #expect(same, "\(p.name) delivered another order")
            }
            // The longest gap between deliveries while the flood ran.
            for p in peers {
                let times = p.delivered().map(\.at).filter { $0 >= floodStart && $0 <= floodEnd }
                let gap = zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? 0
                print("junk flood: \(p.name) longest delivery gap during the flood: \(gap) ms")
                #expect(gap < 5_000, "\(p.name) stalled \(gap) ms during the flood")
            }

            // The socket's drop count also holds the node's own datagrams,
            // which its kernel filter drops: all it had sent when the drops
            // were read, which lies between the `packetsSent` of a /stats
            // before and one after the read.
            func stats(_ p: Peer, _ n: Int) throws -> Event {
                p.send(["/stats"])
                try #require(waitUntil(10) { p.current().filter { $0.name == "stats" }.count >= n })
                return p.current().last { $0.name == "stats" }!
            }
            for p in peers {
                let before = try stats(p, 1)
                let socketDrops = udpDrops(pid: p.pid!)
                let after = try stats(p, 2)
                let ownLow = before.int("packetsSent") ?? 0, ownHigh = after.int("packetsSent") ?? 0
                let received = (sent - socketDrops + ownLow)...(sent - socketDrops + ownHigh)
                let drops = before.int("decodeDrops") ?? -1
                #expect(received.contains(drops),
                        "\(p.name): decodeDrops \(drops), junk received \(received) (\(sent) sent, \(socketDrops) dropped by the socket, of which \(ownLow)...\(ownHigh) its own datagrams)")
                #expect(before.int("ownEchoes") == 0, "own datagrams reached the node: the kernel filter is not attached")
                print("junk flood: \(p.name) decodeDrops \(drops) in \(received) = \(sent) sent - \(socketDrops) socket drops + \(ownLow)...\(ownHigh) own")
            }

            #expect(server.stop() == 0, "the server did not survive: \(server.tail())")
            for p in peers { #expect(p.stop() == 0, "\(p.name) did not exit cleanly\n\(p.tail())") }
            let replicas = c.peers.map { loadReplica(c.replicaPath($0)).ordered }
            for (p, r) in zip(c.peers, replicas) {
                #expect(r.count == typed, "\(p.name) replica holds \(r.count) of \(typed)")
                let same = r == replicas[0]
                #expect(same, "\(p.name) replica differs from \(c.peers[0].name)'s")
            }
        }
    }
}

/// Sends junk to the group from its own thread, about 20,000 a second.
private final class JunkSender: Sendable {
    let group: String
    let port: UInt16
    let total: Int
    let sent = Atomic<Int>(0)
    let done = Atomic<Bool>(false)

    init(group: String, port: UInt16, total: Int) {
        self.group = group
        self.port = port
        self.total = total
    }

    func run() {
        defer { done.store(true, ordering: .releasing) }
        guard let socket = try? MulticastSocket(group: group, port: port, interface: "127.0.0.1") else { return }
        defer { socket.close() }
        var g = SplitMix64(seed: 0x1A2B)
        let json = Array(#"{"type":"message","from":"bob","text":"hello from another chat program"}"#.utf8)
        let valid = WireCodec.encode(Packet(sender: NodeID(0xBAD), incarnation: 1, counter: 1,
                                            body: .tokenRequest(TokenRequest(ring: nil, queued: 1))))
        var count = 0
        while count < total {
            var d: [UInt8]
            switch count % 5 {
            case 0:   // random bytes, never our magic
                d = (0..<Int.random(in: 1...200, using: &g)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
                if d[0] == WireLimits.magic.0 { d[0] = 0 }
            case 1:   // another program's JSON
                d = json
            case 2:   // a RingChat header cut short
                d = Array(valid.prefix(Int.random(in: 2...(WireLimits.headerBytes - 1), using: &g)))
            case 3:   // a version we do not speak
                d = valid
                d[2] = 9
            default:  // a valid packet with bytes appended
                d = valid + (0..<Int.random(in: 1...40, using: &g)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
            }
            if (try? socket.send(d)) == true {
                count += 1
                sent.store(count, ordering: .releasing)
            }
            if count % 20 == 0 { usleep(1_000) }
        }
    }
}

/// Datagrams the kernel dropped for `pid`'s UDP sockets (their receive
/// buffer was full): the `drops` column of /proc/net/udp for the socket
/// inodes among the process's file descriptors.
private func udpDrops(pid: pid_t) -> Int {
    var inodes = Set<String>()
    let fdDir = "/proc/\(pid)/fd"
    for fd in (try? FileManager.default.contentsOfDirectory(atPath: fdDir)) ?? [] {
        if let link = try? FileManager.default.destinationOfSymbolicLink(atPath: fdDir + "/" + fd),
           link.hasPrefix("socket:[") {
            inodes.insert(String(link.dropFirst(8).dropLast()))
        }
    }
    let table = (try? String(contentsOfFile: "/proc/\(pid)/net/udp", encoding: .utf8)) ?? ""
    var drops = 0
    for line in table.split(separator: "\n").dropFirst() {
        let f = line.split(separator: " ")
        if f.count >= 13, inodes.contains(String(f[9])) { drops += Int(f[f.count - 1]) ?? 0 }
    }
    return drops
}
