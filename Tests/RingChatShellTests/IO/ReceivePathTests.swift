import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

@Suite(.serialized) struct ReceivePathTests {
    /// A sender and a receiver on one random loopback group, a loop, and a
    /// random tag that marks this test's datagrams.
    func withSockets<T>(_ body: (_ tx: MulticastSocket, _ rx: MulticastSocket, _ loop: EventLoop, _ tag: UInt8) throws -> T) throws -> T {
        let (group, port) = randomGroup()
        let tx = try MulticastSocket(group: group, port: port)
        let rx = try MulticastSocket(group: group, port: port)
        defer { tx.close(); rx.close() }
        return try body(tx, rx, try EventLoop(), UInt8.random(in: 1...255))
    }

    /// Sends `count` tagged datagrams from one loopback socket and collects
    /// what a second one's receive path delivers until `expect` arrive.
    func exchange(spec: FaultSpec, count: Int, expect: Int) throws -> (got: [Int], elapsed: Duration, path: ReceivePath) {
        try withSockets { tx, rx, loop, tag in
            var got: [Int] = []
            let path = ReceivePath(socket: rx, loop: loop, faults: FaultInjector(spec: spec, seed: 11)) { d in
                guard d.count == 3, d[0] == tag else { return }
                got.append(Int(d[1]) << 8 | Int(d[2]))
                if got.count == expect { loop.stop() }
            }
            path.start()
            let start = EventLoop.monotonicNow()
            loop.schedule(at: start + .seconds(5)) { loop.stop() }
            loop.schedule(at: start + .milliseconds(1)) {
                for i in 0..<count { _ = try? tx.send([tag, UInt8(i >> 8), UInt8(i & 0xFF)]) }
            }
            try loop.run()
            path.stop()
            return (got, EventLoop.monotonicNow() - start, path)
        }
    }

    @Test func noFaultsDeliversEverythingInOrder() throws {
        let r = try exchange(spec: .none, count: 100, expect: 100)
        #expect(r.got == Array(0..<100))
        #expect(r.path.injector.delayed == 0)
    }

    @Test func delayedDatagramsComeOutViaTheLoopTimer() throws {
        let spec = FaultSpec(delayMin: .milliseconds(20), delayMax: .milliseconds(120))
        let r = try exchange(spec: spec, count: 200, expect: 200)
        #expect(r.got.sorted() == Array(0..<200))
        #expect(r.got != Array(0..<200), "random delays reorder")
        #expect(r.elapsed >= .milliseconds(20))
        #expect(r.path.injector.pending == 0)
    }

    @Test func duplicatesAreDeliveredTwice() throws {
        let spec = FaultSpec(delayMin: .milliseconds(1), delayMax: .milliseconds(10), dup: 1.0)
        let r = try exchange(spec: spec, count: 50, expect: 100)
        #expect(r.got.count == 100)
        #expect(Set(r.got) == Set(0..<50))
    }

    @Test func urgentDatagramsOfOneWakeUpAreHandedOverFirst() throws {
        try withSockets { tx, rx, loop, tag in
            // All ten are queued before the loop first reads: one wake-up.
            for i in 0..<10 { _ = try tx.send([tag, UInt8(i)]) }
            var got: [Int] = []
            let path = ReceivePath(socket: rx, loop: loop, faults: FaultInjector(spec: .none, seed: 1),
                                   isUrgent: { $0.count == 2 && $0[1] >= 8 }) { d in
                guard d.count == 2, d[0] == tag else { return }
                got.append(Int(d[1]))
                if got.count == 10 { loop.stop() }
            }
            path.start()
            loop.schedule(at: EventLoop.monotonicNow() + .seconds(5)) { loop.stop() }
            try loop.run()
            path.stop()
            #expect(got == [8, 9, 0, 1, 2, 3, 4, 5, 6, 7])
        }
    }

    /// As in a node: datagram 0 (data of a new ring) moves the receiver to
    /// that ring, which makes datagram 1 (the ring's token) urgent only
    /// after 0 was handed over. Every datagram is still handed over once.
    @Test func aDatagramThatBecomesUrgentMidBurstIsHandedOverOnce() throws {
        try withSockets { tx, rx, loop, tag in
            for i in 0..<4 { _ = try tx.send([tag, UInt8(i)]) }
            var got: [Int] = []
            var switched = false
            let path = ReceivePath(socket: rx, loop: loop, faults: FaultInjector(spec: .none, seed: 1),
                                   isUrgent: { d in switched && d.count == 2 && d[1] == 1 }) { d in
                guard d.count == 2, d[0] == tag else { return }
                got.append(Int(d[1]))
                if d[1] == 0 { switched = true }
                if got.count == 4 { loop.stop() }
            }
            path.start()
            loop.schedule(at: EventLoop.monotonicNow() + .seconds(5)) { loop.stop() }
            try loop.run()
            path.stop()
            #expect(got == [0, 1, 2, 3])
        }
    }
}
