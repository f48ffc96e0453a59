import Testing
import Glibc
import RingChatCore
import CNetShim
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite struct MulticastSocketTests {
    @Test func twoSocketsOnLoopbackExchangeADatagram() throws {
        let (group, port) = randomGroup()
        let a = try MulticastSocket(group: group, port: port, interface: "127.0.0.1", ttl: 1)
        let b = try MulticastSocket(group: group, port: port, interface: "127.0.0.1", ttl: 1)
        defer { a.close(); b.close() }
        #expect(a.interfaceAddress == "127.0.0.1")

        let nonce = (0..<16).map { _ in UInt8.random(in: 0...255) }
        #expect(try a.send(nonce))
        var got: [UInt8]?
        for _ in 0..<20 where got == nil {
            guard waitReadable(b.fd, ms: 100) else { continue }
            while let d = b.receive() {
                if d == nonce { got = d }
            }
        }
        #expect(got == nonce)
        // Loopback on: the sender hears itself too, as a peer on the same
        // machine would.
        var echoed = false
        while !echoed, waitReadable(a.fd, ms: 500) {
            while let d = a.receive() { if d == nonce { echoed = true } }
        }
        #expect(echoed)
        // Drained: non-blocking receive says "nothing" instead of blocking.
        while b.receive() != nil {}
        #expect(b.receive() == nil)
    }

    /// The kernel filter drops datagrams that name the filtered sender
    /// (its own echoes, for a node) and nothing else: another sender, a
    /// datagram without the magic, one shorter than a header. The filter
    /// is only on `a`: `b` hears everything, the filtered sender included.
    @Test func senderFilterDropsOnlyThatSendersDatagrams() throws {
        let (group, port) = randomGroup()
        let a = try MulticastSocket(group: group, port: port, interface: "127.0.0.1", ttl: 1)
        let b = try MulticastSocket(group: group, port: port, interface: "127.0.0.1", ttl: 1)
        defer { a.close(); b.close() }
        let me = NodeID(UInt64.random(in: 1...UInt64.max))
        let other = NodeID(me.raw ^ 0x1)   // differs in the low word only
        let other2 = NodeID(me.raw ^ (1 << 40)) // and in the high word only
        #expect(a.dropDatagrams(from: me.raw))
        var noMagic = packet(me, 4)
        noMagic[0] = 0
        let sent: [[UInt8]] = [packet(me, 1), packet(other, 2), packet(other2, 3), noMagic, Array(packet(me, 5).prefix(20))]
        for d in sent { #expect(try b.send(d)) }
        let last = packet(other, 99)
        #expect(try b.send(last))
        #expect(drain(a, until: last) == Array(sent.dropFirst()) + [last])
        #expect(drain(b, until: last) == sent + [last])
    }

    /// The filter is tied to `WireHeader`, not to offsets of its own: a
    /// sealed datagram (flags set, body encrypted) of the filtered sender
    /// is dropped as well, and the C side filters by whatever offset it is
    /// given (here the counter's: a datagram whose counter equals the
    /// filtered value is dropped, one naming it as sender is not).
    @Test func senderFilterReadsTheLayoutItIsGiven() throws {
        let (group, port) = randomGroup()
        let a = try MulticastSocket(group: group, port: port, interface: "127.0.0.1", ttl: 1)
        let b = try MulticastSocket(group: group, port: port, interface: "127.0.0.1", ttl: 1)
        let c = try MulticastSocket(group: group, port: port, interface: "127.0.0.1", ttl: 1)
        defer { a.close(); b.close(); c.close() }
        let me = NodeID(UInt64.random(in: 1...UInt64.max))
        let other = NodeID(me.raw ^ 0xFF00)
        #expect(a.dropDatagrams(from: me.raw))
        #expect(rcn_filter_sender(c.fd, me.raw, UInt32(WireHeader.size), UInt32(WireHeader.magicOffset), WireHeader.magicWord,
                                  UInt32(WireHeader.counterOffset)) == 0)
        // A layout that does not fit in the header is refused.
        #expect(rcn_filter_sender(c.fd, me.raw, UInt32(WireHeader.size), 0, WireHeader.magicWord, UInt32(WireHeader.size - 7)) == -1)
        let seal = PacketSeal(key: try GroupKey(bytes: Array(repeating: 3, count: 32)))
        let sealedMine = seal.seal(packet(me, 1)), sealedOther = seal.seal(packet(other, 2))
        let counterIsMe = packet(other, me.raw)
        let sent = [sealedMine, sealedOther, counterIsMe]
        for d in sent { #expect(try b.send(d)) }
        let last = packet(other, 99)
        #expect(try b.send(last))
        #expect(drain(a, until: last) == [sealedOther, counterIsMe, last])
        #expect(drain(c, until: last) == [sealedMine, sealedOther, last])
    }

    @Test func interfaceByNameResolvesLoopback() throws {
        let (group, port) = randomGroup()
        let s = try MulticastSocket(group: group, port: port, interface: "lo")
        defer { s.close() }
        #expect(s.interfaceAddress == "127.0.0.1")
    }

    @Test(arguments: ["10.0.0.1", "127.0.0.1", "240.0.0.1", "300.1.1.1", "not-an-ip", ""])
    func groupOutsideMulticastIsRejected(group: String) {
        #expect {
            _ = try MulticastSocket(group: group, port: 45_000)
        } throws: { error in
            guard let e = error as? MulticastError else { return false }
            return e.reason == .invalidGroup && e.description.contains("224.0.0.0/4")
        }
    }

    @Test func unknownInterfaceIsAClearError() {
        #expect {
            _ = try MulticastSocket(group: "239.1.2.3", port: 45_001, interface: "nosuchif0")
        } throws: { error in
            guard let e = error as? MulticastError else { return false }
            return e.reason == .invalidInterface && e.description.contains("nosuchif0")
                && e.description.contains("lo")
        }
    }

    @Test func oversizedDatagramIsRefused() throws {
        let (group, port) = randomGroup()
        let s = try MulticastSocket(group: group, port: port)
        defer { s.close() }
        #expect(throws: MulticastError.self) {
            try s.send([UInt8](repeating: 0, count: MulticastSocket.maxDatagram + 1))
        }
    }

    @Test func closeIsIdempotentAndReceiveAfterCloseIsNil() throws {
        let (group, port) = randomGroup()
        let s = try MulticastSocket(group: group, port: port)
        s.close()
        s.close()
        #expect(s.fd == -1)
        #expect(s.receive() == nil)
        #expect(throws: MulticastError.self) { try s.send([1]) }
    }

    @Test(arguments: [
        ("224.1.1.1:5007", "224.1.1.1", UInt16(5007)),
        ("239.255.0.1:9000", "239.255.0.1", UInt16(9000)),
        ("224.1.1.1", "224.1.1.1", UInt16(5007)),
    ])
    func parseGroupAccepts(text: String, group: String, port: UInt16) throws {
        let g = try MulticastSocket.parseGroup(text)
        #expect(g.group == group)
        #expect(g.port == port)
    }

    @Test(arguments: ["", ":5007", "10.1.1.1:5007", "224.1.1.1:0", "224.1.1.1:70000",
                      "224.1.1.1:abc", "224.1.1.1:5007:1", "224.1.1:5007"])
    func parseGroupRejects(text: String) {
        #expect(throws: MulticastError.self) { _ = try MulticastSocket.parseGroup(text) }
    }

    @Test func systemErrorNamesTheCallAndErrno() {
        let e = SystemError("setsockopt(IP_ADD_MEMBERSHIP)", code: EADDRNOTAVAIL, context: "group 239.1.1.1")
        #expect(e.description.contains("setsockopt(IP_ADD_MEMBERSHIP)"))
        #expect(e.description.contains("Cannot assign requested address"))
    }
}

/// A small datagram from `s` with this counter.
private func packet(_ s: NodeID, _ counter: UInt64) -> [UInt8] {
    WireCodec.encode(Packet(sender: s, incarnation: 1, counter: counter, body: .tokenRequest(TokenRequest(ring: nil, queued: 0))))
}

/// What `s` receives until `last` (sent after the others), at most 5 s.
private func drain(_ s: MulticastSocket, until last: [UInt8]) -> [[UInt8]] {
    var got: [[UInt8]] = []
    for _ in 0..<50 where got.last != last {
        guard waitReadable(s.fd, ms: 100) else { continue }
        while let d = s.receive() { got.append(d) }
    }
    return got
}
