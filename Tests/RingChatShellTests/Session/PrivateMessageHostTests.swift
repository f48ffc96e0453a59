import Foundation
import Glibc
import Testing
import RingChatCore
@testable import RingChatIO
@testable import RingChatStorage
@testable import RingChatSession

/// Rooms and private messages through real hosts on loopback multicast.
extension NodeHostTests {
    /// Every byte of every file under `dir` (state dirs, their indexes).
    func allStateBytes(_ dir: String) -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        let e = FileManager.default.enumerator(atPath: dir)
        while let rel = e?.nextObject() as? String {
            let p = dir + "/" + rel
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue,
               let d = FileManager.default.contents(atPath: p) {
                out.append((rel, Array(d)))
            }
        }
        return out
    }

    func waitForKeys(_ hosts: [NodeHost], loop: EventLoop) throws -> Bool {
        try run(loop) {
            hosts.allSatisfy { h in
                h.node.status.members.count == hosts.count
                    && h.node.status.members.allSatisfy { $0.identity.count == WireLimits.identityKeyBytes }
            }
        }
    }

    /// A private message is read by its recipient (and shown to its
    /// sender), never reaches a third node's front end, and its plaintext
    /// is in no file of any state dir: the replicas hold the sealed bytes.
    @Test func aPrivateMessageReachesOnlyItsTwoEnds() throws {
        var ring = try Ring("pm")
        defer { ring.close() }
        let loop = ring.loop
        let (a, ra) = try ring.start("alice")
        let (b, rb) = try ring.start("bob")
        let (c, rc) = try ring.start("carol")
        #expect(try waitForKeys([a, b, c], loop: loop), "keys were never announced")
        let secret = "the vault code is xyzzy-4711"
        #expect(a.sendPrivate(to: "bob", text: secret) == .sent(to: b.node.id, nick: "bob"))
        a.type("a public line")
        let ok = try run(loop) { [ra, rb, rc] in
            rb.delivered.count == 2 && ra.delivered.count == 2 && rc.delivered.count == 1
                && c.history().count == 2
        }
        #expect(ok, "delivered \(ra.delivered.count)/\(rb.delivered.count)/\(rc.delivered.count)")
        let atBob = rb.delivered.first { $0.kind == .private }
        #expect(atBob?.text == secret && atBob?.room == RoomName.address(of: b.node.id))
        #expect(ra.delivered.first { $0.kind == .private }?.text == secret, "the sender sees what it sent")
        #expect(!rc.delivered.contains { $0.kind == .private }, "carol's screen got a private message")
        // Carol's replica holds it, sealed: the order is one for all.
        let sealed = c.history().first { $0.kind == .private }
        #expect(sealed != nil && sealed?.text != secret)
        #expect(a.history().map(\.id) == c.history().map(\.id))
        for h in [a, b, c] { h.checkpoint() }
        let recorders: [Recorder] = [ra, rb, rc]
        #expect(try run(loop) { recorders.allSatisfy { $0.checkpoints.count == 1 } })
        for h in [a, b, c] { h.shutdown() }
        let files = allStateBytes(ring.tmp.path)
        #expect(files.contains { $0.0.hasSuffix("replica.jsonl") })
        for (name, bytes) in files {
            #expect(!String(decoding: bytes, as: UTF8.self).contains("xyzzy"), "\(name) holds the plaintext")
        }
    }

    /// A private message sent while its recipient is away waits sealed in
    /// every replica; the recipient reads it once it is back and caught up.
    @Test func aPrivateMessageWaitsForItsRecipient() throws {
        var ring = try Ring("pm-away")
        defer { ring.close() }
        let loop = ring.loop
        let (a, ra) = try ring.start("alice")
        let (b, _) = try ring.start("bob")
        #expect(try waitForKeys([a, b], loop: loop))
        let bobID = b.node.id
        b.shutdown()
        #expect(try run(loop) { a.node.status.members.count == 1 }, "bob never left alice's ring")
        #expect(a.sendPrivate(to: "bob", text: "while you were out") == .sent(to: bobID, nick: "bob"))
        #expect(try run(loop) { ra.delivered.contains { $0.kind == .private } })
        // Bob again, on the same state dir.
        var o = HostOptions(stateDir: ring.tmp.file("bob"), nick: "bob")
        o.group = ring.group.0
        o.port = ring.group.1
        o.checkpointEvery = nil
        let b2 = try NodeHost(options: o, loop: loop)
        let rb2 = Recorder()
        rb2.attach(b2)
        try b2.start()
        ring.hosts.append(b2)
        ring.recorders.append(rb2)  // the ring outlives it: events of its shutdown
        let got = try run(loop) { rb2.delivered.contains { $0.kind == .private } }
        #expect(got, "bob never read the message kept for him")
        #expect(rb2.delivered.first { $0.kind == .private }?.text == "while you were out")
    }

    /// A nick nobody announced a key for is refused in words; so is an
    /// over-long line and a message to oneself.
    @Test func privateMessagesThatCannotBeSentAreRefused() throws {
        var ring = try Ring("pm-refused")
        defer { ring.close() }
        let (a, _) = try ring.start("alice")
        guard case .refused(let why) = a.sendPrivate(to: "nobody", text: "hi") else {
            Issue.record("sent to a nick nobody holds")
            return
        }
        #expect(why.contains("nobody"))
        #expect(a.sendPrivate(to: "alice", text: "hi") == .refused("that is you"))
        guard case .refused = a.sendPrivate(to: "alice", text: String(repeating: "x", count: WireLimits.maxTextBytes + 1))
        else { Issue.record("an over-long line was sent"); return }
    }

    /// Rooms: a join is announced to the others (`roomList` counts it),
    /// a line typed into a room arrives with its room, and the node's rooms
    /// survive a restart (they are in its checkpoint).
    @Test func roomsAreAnnouncedCarriedAndKept() throws {
        var ring = try Ring("rooms")
        defer { ring.close() }
        let loop = ring.loop
        let (a, ra) = try ring.start("alice")
        let (b, rb) = try ring.start("bob")
        #expect(a.join("#ops"))
        #expect(!a.join("ops"), "a name without # is not a room here (the front end parses)")
        #expect(try run(loop) { b.roomList.contains { $0.room == "#ops" && $0.members == 1 } },
                "bob never saw alice in #ops: \(b.roomList)")
        a.type("deploy at noon", room: "#ops")
        #expect(try run(loop) { rb.delivered.count == 1 && ra.delivered.count == 1 })
        #expect(rb.delivered.first?.room == "#ops")
        a.checkpoint()
        #expect(try run(loop) { ra.checkpoints.count == 1 })
        #expect(ra.checkpoints.first?.rooms == ["#ops"])
        try a.simulateCrash()
        #expect(a.rooms == ["#ops"])
        #expect(a.part("#ops") && a.rooms.isEmpty)
        #expect(try run(loop) { !b.roomList.contains { $0.room == "#ops" } })
    }

    /// Any member can put any origin on a message: one sealed with another
    /// key than the one known for its origin is not shown, and said; the
    /// same words sealed with the origin's real key are.
    @Test func aPrivateMessageSealedWithAnotherKeyThanItsOriginsIsNotShown() throws {
        var ring = try Ring("pm-forged")
        defer { ring.close() }
        let (a, ra) = try ring.start("alice")
        let bob = NodeID(0xb0b), bobKey = IdentityKey.generate(), mallory = IdentityKey.generate()
        _ = a.knownPeers.observe(bob, nick: "bob", key: bobKey.publicKey, now: 1)
        func message(sealedBy key: IdentityKey) throws -> ChatMessage {
            let text = try PrivateSeal.seal("send the money", from: key, sender: bob, to: a.identityPublicKey, recipient: a.node.id)
            return ChatMessage(id: MessageID(origin: bob, incarnation: 1, counter: 1), nick: "bob", text: text, kind: .private,
                               room: RoomName.address(of: a.node.id), slot: Slot(ring: RingID(epoch: 1, creator: bob, incarnation: 1), seq: 1),
                               timestamp: 0)
        }
        #expect(a.forScreen(try message(sealedBy: mallory)) == nil)
        #expect(ra.warnings.contains { $0.contains("another key") })
        #expect(a.stats.privateUnopened == 1)
        #expect(a.forScreen(try message(sealedBy: bobKey))?.text == "send the money")
    }
}
